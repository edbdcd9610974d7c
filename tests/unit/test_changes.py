"""Field-level changes between two sets of manifests."""

from novactl.plan.changes import FieldChange, object_changes


def service(name, color, port=8080):
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {"selector": {"color": color}, "ports": [{"port": port}]},
    }


def test_identical_sets_have_no_changes():
    assert object_changes([service("a", "blue")], [service("a", "blue")]) == []


def test_a_changed_field_is_reported_with_its_path():
    (change,) = object_changes([service("a", "blue")], [service("a", "green")])
    assert change.action == "update"
    assert change.describe() == "update Service ns/a"
    assert change.fields == (FieldChange("spec.selector.color", "blue", "green"),)


def test_list_items_are_compared_by_position():
    (change,) = object_changes([service("a", "blue")], [service("a", "blue", port=9090)])
    assert change.fields == (FieldChange("spec.ports[0].port", 8080, 9090),)


def test_created_and_deleted_objects():
    changes = object_changes([service("a", "blue")], [service("b", "blue")])
    assert [(c.action, c.key) for c in changes] == [
        ("delete", ("Service", "ns", "a")),
        ("create", ("Service", "ns", "b")),
    ]


def test_a_job_renamed_by_its_spec_hash_is_one_replace_as_diff_says():
    from novactl.plan.changes import ObjectChange, with_replacements

    changes = [
        ObjectChange("create", ("Job", "ns", "feed-service-blue-smoke-309129ec")),
        ObjectChange("delete", ("Job", "ns", "feed-service-blue-smoke-ec89cf2b")),
        ObjectChange("create", ("Job", "ns", "wallet-service-blue-smoke-1234abcd")),  # a new service: stays a create
        ObjectChange("delete", ("Service", "ns", "old")),
    ]
    merged = with_replacements(changes)
    assert [change.describe() for change in merged] == [
        "replace Job ns/feed-service-blue-smoke-309129ec",
        "create Job ns/wallet-service-blue-smoke-1234abcd",
        "delete Service ns/old",
    ]
    (field,) = merged[0].fields
    assert (field.path, field.before, field.after) == (
        "metadata.name",
        "feed-service-blue-smoke-ec89cf2b",
        "feed-service-blue-smoke-309129ec",
    )
