"""What Argo CD, Helm and Flux make of a Job's metadata: one module per controller, mirroring spec/argocd-hooks.md.

This package owns every annotation and label key, every value the controllers recognise, and how each one
parses them (exact CSV items in Argo CD, lower-cased items in Helm, case-insensitive values in Flux), so nothing
outside it knows an annotation key:

- `argocd`: hook classification, delete policies, sync options, hook phase corrections (§2, §4, §6);
- `helm`: Helm's own hook classification and the Helm -> Argo CD mapping as Argo CD applies it (§2.2, §9);
- `flux`: kustomize-controller's force annotation and helm-controller's keys (§8);
- `annotations`: the Go-style value handling they share (`strings.TrimSpace`, `GetAnnotationCSVs`);
- `tool`: the `GitOpsTool` enum, and which tool a Job's own keys or a repository's content name (§8.1, §10).
"""
