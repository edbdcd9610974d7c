"""Field-level changes between two versions of a resource's inputs (novactl/plan/fields.py)."""

from novactl.plan.changes import ABSENT, FieldChange, field_changes, field_line


def service(color, port=8080):
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "a", "namespace": "ns"},
        "spec": {"selector": {"color": color}, "ports": [{"port": port}]},
    }


def test_identical_inputs_have_no_changes():
    assert field_changes(service("blue"), service("blue")) == []


def test_a_changed_field_is_reported_with_its_path():
    assert field_changes(service("blue"), service("green")) == [FieldChange("spec.selector.color", "blue", "green")]


def test_list_items_are_compared_by_position():
    assert field_changes(service("blue"), service("blue", port=9090)) == [FieldChange("spec.ports[0].port", 8080, 9090)]


def test_a_field_that_appears_or_goes_is_absent_on_the_other_side():
    before, after = service("blue"), service("blue")
    after["spec"]["type"] = "ClusterIP"
    (added,) = field_changes(before, after)
    assert (added.before, added.after) == (ABSENT, "ClusterIP")
    assert field_line(added) == "spec.type: + 'ClusterIP'"
    (removed,) = field_changes(after, before)
    assert field_line(removed) == "spec.type: - 'ClusterIP'"


def test_env_lists_compare_by_variable_name():
    before = {"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}
    after = {"env": [{"name": "B", "value": "2"}, {"name": "A", "value": "3"}]}
    assert field_changes(before, after) == [FieldChange("env.A", "1", "3")]


def test_a_long_string_shows_the_part_that_changed():
    before = "deployment.environment.name=staging,service.version=2.3.0,nova.color=blue,k8s.pod.name=$(POD_NAME)"
    line = field_line(FieldChange("env.OTEL", before, before.replace("2.3.0", "2.6.0")))
    assert "2.3.0 -> " not in line  # a quoted part of each side, not the bare versions
    assert "2.3.0" in line
    assert "2.6.0" in line
    assert "deployment.environment.name" not in line
