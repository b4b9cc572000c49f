"""Fix intents -> minimal, verified text edits of the head file (where they can be suggested is each platform's call).

What it owns, in the order data flows through it:

- `strategies`: the fixes that work, as structural `FixIntent`s (rules pick them; `check` orders them).
- `attach`: finding -> verified fixes. The files come parsed from the engine (`CheckResult.files`); `context`
  holds one file and what its verifications share.
- `yamledit`: intent -> splices -> new text, one step at a time on a `source` window (the target's document as
  nodes with exact character positions), written in the object's `style`; `values` computes annotation values.
- `verify`: the new text parses to exactly the intended objects and keeps every comment, and the engine re-run
  on it no longer reports the finding and reports nothing new.
- `lines`: the verified text as a line edit and a unified diff.
- `apply`: several fixes applied together, by one policy (`jobguard fix`, the `/jobguard fix` command).

This `__init__` re-exports nothing on purpose: the rules import `strategies` from beneath the engine, and
`attach` re-runs the engine, so re-exporting it here would make importing `jobguard.rules` import `jobguard.check`
half-way through its own import.
"""
