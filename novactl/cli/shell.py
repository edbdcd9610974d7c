"""How novactl meets the shell: Pulumi-style `-s/--stack`, and completion scripts."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

STACK_FLAGS = ("-s", "--stack")
GLOBAL_WITH_VALUE = ("-C", "--project-dir")


def _value_of_global(words: list[str], index: int) -> bool:
    return index > 0 and words[index - 1] in GLOBAL_WITH_VALUE


def hoist_stack_flag(argv: Sequence[str]) -> list[str]:
    """`novactl release -s staging feed-service 2.5.0`, as Pulumi users type it: the stack
    flag moves to the first positional place after the verb, where every verb reads it."""
    words = list(argv)
    for index, word in enumerate(words):
        if word in STACK_FLAGS and index + 1 < len(words):
            stack, end = words[index + 1], index + 2
        elif word.startswith("--stack="):
            stack, end = word.split("=", 1)[1], index + 1
        else:
            continue
        rest = words[:index] + words[end:]
        verbs = [
            i
            for i, item in enumerate(rest)
            if not item.startswith("-") and (i == 0 or rest[i - 1] not in GLOBAL_WITH_VALUE)
        ]
        if not verbs:
            raise SystemExit("novactl: error: -s/--stack goes with a verb (novactl release -s staging SERVICE TAG)")
        verb = verbs[0]
        return [*rest[: verb + 1], stack, *rest[verb + 1 :]]
    return words


_BASH = """_novactl() {
  local cur verb opts stacks services previous
  cur="${COMP_WORDS[COMP_CWORD]}"
  previous="${COMP_WORDS[COMP_CWORD-1]}"
  verb="${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "@VERBS@ --version --help" -- "$cur")); return
  fi
  case "$verb" in
@CASES@
  esac
  stacks=$(ls Pulumi.*.yaml 2>/dev/null | sed -e 's/^Pulumi\\.//' -e 's/\\.yaml$//')
  if [ "$COMP_CWORD" -eq 2 ] || [ "$previous" = -s ] || [ "$previous" = --stack ]; then
    COMPREPLY=($(compgen -W "$stacks $opts" -- "$cur")); return
  fi
  services=$(sed -n 's/^    \\([a-z0-9-]*\\):$/\\1/p' "Pulumi.${COMP_WORDS[2]}.yaml" 2>/dev/null)
  COMPREPLY=($(compgen -W "$services $opts" -- "$cur"))
}
complete -F _novactl novactl"""


def completion_script(parser: argparse.ArgumentParser, shell: str) -> str:
    """Verbs and their flags from the parser itself; stacks from the Pulumi.<stack>.yaml files
    of the folder and services from the stack file, both read when completing."""
    verbs = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    flags = {
        name: " ".join(option for action in sub._actions for option in action.option_strings)
        for name, sub in verbs.choices.items()
    }
    cases = "\n".join(f'    {name}) opts="{options}" ;;' for name, options in sorted(flags.items()))
    body = _BASH.replace("@VERBS@", " ".join(sorted(flags))).replace("@CASES@", cases)
    return body if shell == "bash" else f"autoload -U bashcompinit && bashcompinit\n{body}"
