"""The edits of `switch`, `release` and `canary` (and `rollback`, a switch) on a stack file.

Each edit is the one `pulumi config set --path` would make, checked against the whole config
before it is written, and shown as the Kubernetes changes the next `pulumi up` will make.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from components.config.fields import ConfigError
from components.config.services import ServiceSpec
from components.conventions import COLORS, PROJECT, Color, other_color
from novactl.plan.changes import ObjectChange, object_changes, with_replacements
from novactl.stack.declared import declared_platform, find_service
from novactl.stack.edit import StackFileEditor, quoted_map
from novactl.stack.files import StackError, load_stack_config, platform_config, stack_file

SERVICES_KEY = f"{PROJECT}:services"


@dataclass
class EditResult:
    """What an edit did: messages for the user and the object changes it implies."""

    messages: list[str]
    changes: list[ObjectChange]
    written: bool


def _stack_error(stack: str, key: str, message: str) -> ConfigError:
    return ConfigError(key, message, stack_file(Path("."), stack).name)


def _color(stack: str, key: str, value: str) -> Color:
    for color in COLORS:
        if value == color:
            return color
    raise _stack_error(stack, key, f"{value!r} is not one of: {', '.join(COLORS)}")


def _apply(project_dir: Path, stack: str, editor: StackFileEditor, dry_run: bool) -> list[ObjectChange]:
    """Validate the edited file, work out its Kubernetes changes, then write it."""
    new_text = editor.text()
    platform_config(
        load_stack_config(project_dir, stack, stack_text=new_text, placeholder_secrets=True)
    )  # raises ConfigError
    # Here, not at the top: `status` reads this module and must not load the Pulumi SDK.
    from novactl.engine.render import render_stack  # noqa: PLC0415
    from novactl.engine.scoped import render_services  # noqa: PLC0415

    services = edited_services(editor)
    if services is None:
        before = render_stack(project_dir, stack, placeholder_secrets=True).manifests()
        after = render_stack(project_dir, stack, stack_text=new_text, placeholder_secrets=True).manifests()
    else:
        before = render_services(project_dir, stack, services).manifests()
        after = render_services(project_dir, stack, services, stack_text=new_text).manifests()
    if not dry_run:
        editor.save()
    return with_replacements(object_changes(before, after))


def edited_services(editor: StackFileEditor) -> list[str] | None:
    """The services whose own settings are all that `editor` changed, or None when it changed
    anything else (then only a full render knows what follows)."""
    names: set[str] = set()
    for key, path in editor.edited:
        if key != SERVICES_KEY or len(path) < 2:
            return None
        names.add(path[0])
    return sorted(names)


def switch(
    project_dir: Path, stack: str, services: list[str] | None, color_name: str, dry_run: bool = False
) -> EditResult:
    """Make `color` the active colour of `services` (None: every service)."""
    platform = declared_platform(project_dir, stack)
    specs = [find_service(platform, name) for name in services] if services else list(platform.services)
    key = f"services.{specs[0].name}.active" if len(specs) == 1 else "services.*.active"
    color = _color(stack, key, color_name)
    messages: list[str] = []
    to_flip: list[ServiceSpec] = []
    ending: list[ServiceSpec] = []  # canaries that end on the active colour (an abort)
    blocked: list[ConfigError] = []  # every service that cannot switch, not only the first
    for spec in specs:
        if spec.active == color:
            if spec.canary_pods is not None:
                ending.append(spec)
            else:
                messages.append(f"{spec.name}: {color} is already active")
            continue
        problem = _cannot_switch(stack, spec, color)
        if problem is not None:
            blocked.append(problem)
        else:
            to_flip.append(spec)
    if len(blocked) == 1:
        raise blocked[0]
    if blocked:
        lines = "\n".join(f"  {error}" for error in blocked)
        raise StackError(f"{len(blocked)} services cannot switch to {color}, so none does:\n{lines}")
    if not to_flip and not ending:
        return EditResult(messages, [], written=False)

    editor = StackFileEditor(stack_file(project_dir, stack))
    for spec in to_flip:
        editor.set_path(SERVICES_KEY, [spec.name, "active"], color)
        # A switch to the canary colour completes the canary: all of the traffic moves.
        editor.delete_path(SERVICES_KEY, [spec.name, "canary"])
        messages.append(f"{spec.name}: {spec.active} -> {color} (tag {spec.tags[color]})")
    for spec in ending:
        editor.delete_path(SERVICES_KEY, [spec.name, "canary"])
        messages.append(f"{spec.name}: canary ended; {color} takes all of the traffic again")
    return EditResult(messages, _apply(project_dir, stack, editor, dry_run), written=not dry_run)


def _cannot_switch(stack: str, spec: ServiceSpec, color: Color) -> ConfigError | None:
    """Why `spec` cannot take all of the traffic on `color`, or None."""
    if color not in spec.tags:
        return _stack_error(
            stack,
            f"services.{spec.name}.tags.{color}",
            f"{color} has no image tag, so it is not deployed; release one first: "
            f"novactl release {stack} {spec.name} <tag>",
        )
    if spec.is_scaled_to_zero(color):
        return _stack_error(
            stack,
            f"services.{spec.name}.idle",
            f"{color} is scaled to zero (idle: scale-to-zero); set idle to keep and run "
            f"`pulumi up` so it is rolled out and smoke-tested before switching",
        )
    return None


def canary(
    project_dir: Path, stack: str, service: str, *, pods: int = 1, abort: bool = False, dry_run: bool = False
) -> EditResult:
    """Put the idle colour into live traffic beside the active one with `pods` pods (or take
    it back out with `abort`): the canary state is `services.<name>.canary` in the stack file."""
    platform = declared_platform(project_dir, stack)
    spec = find_service(platform, service)
    idle = other_color(spec.active)
    editor = StackFileEditor(stack_file(project_dir, stack))
    if abort:
        if spec.canary_pods is None:
            return EditResult([f"{spec.name}: no canary is running"], [], written=False)
        editor.delete_path(SERVICES_KEY, [spec.name, "canary"])
        messages = [f"{spec.name}: canary aborted; {spec.active} takes all of the traffic, {idle} goes back to idle"]
        return EditResult(messages, _apply(project_dir, stack, editor, dry_run), written=not dry_run)
    if spec.canary_pods == pods:
        return EditResult([f"{spec.name}: the canary already runs {pods} pod(s)"], [], written=False)
    editor.set_path(SERVICES_KEY, [spec.name, "canary", "pods"], pods)
    active_pods = spec.replicas  # autoscaled services are refused by the config check
    share = pods / (pods + active_pods)
    messages = [
        f"{spec.name}: canary {idle} ({spec.tags.get(idle, '-')}) with {pods} pod(s) beside {active_pods} "
        f"{spec.active} pod(s): about {share:.0%} of new connections (long-lived connections stay where they are)",
        f"next: pulumi up -s {stack} (the analysis Job watches {idle}), then "
        f"novactl switch {stack} {spec.name} {idle} to finish, or novactl canary {stack} {spec.name} --abort",
    ]
    return EditResult(messages, _apply(project_dir, stack, editor, dry_run), written=not dry_run)


def color_running(project_dir: Path, stack: str, service: str, tag: str) -> Color:
    """The colour of `service` whose tag is `tag` (what `switch --to-tag` switches to)."""
    platform = declared_platform(project_dir, stack)
    spec = find_service(platform, service)
    for color, color_tag in spec.tags.items():
        if color_tag == str(tag):
            return color
    tags = ", ".join(f"{color} {value}" for color, value in spec.tags.items())
    raise _stack_error(stack, f"services.{spec.name}.tags", f"no colour runs {tag} ({tags}); release it first")


def release(
    project_dir: Path,
    stack: str,
    service: str,
    tag: str | None,
    *,
    env: dict[str, str] | None = None,
    dry_run: bool = False,
) -> EditResult:
    """Put `tag` (default: the live tag) and the live colour's `colorEnv` with `env` over it on
    the inactive colour of `service` (step 1 of a blue/green release, of code or of config)."""
    platform = declared_platform(project_dir, stack)
    spec = find_service(platform, service)
    target = release_target(stack, spec)
    if spec.idle == "scale-to-zero":
        raise _stack_error(
            stack,
            f"services.{spec.name}.idle",
            f"{target} is scaled to zero while inactive, so a release there cannot be smoke-tested; "
            f"set idle to keep for the release",
        )
    new_tag = str(tag) if tag is not None else spec.tags[spec.active]
    # The released colour runs the live colour's config, with the given changes on top.
    new_env = {**spec.color_env.get(spec.active, {}), **(env or {})}
    current_env = dict(spec.color_env.get(target, {}))
    env_changed = current_env != new_env
    if spec.tags.get(target) == new_tag and not env_changed:
        return EditResult([f"{spec.name}: {target} already runs {new_tag} with that config"], [], written=False)
    editor = StackFileEditor(stack_file(project_dir, stack))
    editor.set_path(SERVICES_KEY, [spec.name, "tags", target], new_tag, quoted=True)
    if env_changed:
        editor.set_path(SERVICES_KEY, [spec.name, "colorEnv", target], quoted_map(new_env))
    previous = spec.tags.get(target, "nothing (idle)")
    messages = [
        f"{spec.name}: {target} {previous} -> {new_tag}; {spec.active} keeps serving {spec.tags[spec.active]}",
    ]
    live_env = spec.env_for(spec.active)
    for name, value in sorted((env or {}).items()):
        if live_env.get(name) != value:
            before = live_env.get(name, "(unset)")
            messages.append(f"{spec.name}: {target} {name}: {before} -> {value} (live {spec.active} keeps {before})")
    messages.append(
        f"next: pulumi up -s {stack} (rolls out and smoke-tests {target}), "
        f"then novactl switch {stack} {spec.name} {target}"
    )
    return EditResult(messages, _apply(project_dir, stack, editor, dry_run), written=not dry_run)


def release_target(stack: str, spec: ServiceSpec) -> Color:
    """The colour a release (of a tag or of config) goes to: the idle one, and only while it
    takes no live traffic. During a canary it does, so a release there is refused: nothing
    that serves live traffic may restart under a release (docs/blue-green.md#states)."""
    target = other_color(spec.active)
    if target in spec.serving_colors:
        raise _stack_error(
            stack,
            f"services.{spec.name}.canary",
            f"{target} is a canary taking live traffic, so a release there would restart pods that serve "
            f"users; finish it (novactl switch {stack} {spec.name} {target}) or abort it "
            f"(novactl canary {stack} {spec.name} --abort) first",
        )
    return target
