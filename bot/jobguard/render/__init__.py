"""See what Argo CD and Flux apply: find the roots they render, render both sides with the real tools, judge the
rendered Jobs with the same engine as plain files.

Data flow: `roots` (what is rendered: Applications, Flux objects, top-level kustomizations and charts) ->
`inputs` (the files each root reads, and the reverse index from a changed file to its roots) -> `run` (render one
root of one side with kustomize or Helm, sandboxed) -> `judge` (pair rendered Jobs, run the engine, anchor each
finding on the changed line that caused it). `model` holds the data they pass on.
"""
