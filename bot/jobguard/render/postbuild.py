"""Flux's `postBuild.substitute` applied to a kustomize render the way kustomize-controller applies it
(fluxcd/pkg `kustomize.SubstituteVariables`): object by object, only when there are variables, never to an object
labelled or annotated to opt out (controllers/flux.py knows the key); names must match
`^[_a-zA-Z][_a-zA-Z0-9]*$` and newlines are taken out of values. The expansion itself is `envsubst.py`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

from jobguard.controllers.flux import substitution_disabled
from jobguard.render.envsubst import SubstitutionError, substitute
from jobguard.render.model import RenderedDoc

NAME = re.compile(r"^[_a-zA-Z][_a-zA-Z0-9]*$")


def check_names(variables: Mapping[str, str]) -> dict[str, str]:
    """The variables as Flux uses them: names checked, newlines taken out of values."""
    for name in variables:
        if not NAME.match(name):
            raise SubstitutionError(f"'{name}' var name is invalid, must match '^[_[:alpha:]][_[:alpha:][:digit:]]*$'")
    return {name: value.replace("\n", "") for name, value in variables.items()}


def substitute_docs(docs: tuple[RenderedDoc, ...], pairs: tuple[tuple[str, str], ...]) -> tuple[RenderedDoc, ...]:
    """Each rendered object substituted on its own, unless it opts out; nothing happens without variables."""
    variables = check_names(dict(pairs))
    if not variables:
        return docs
    return tuple(doc if _disabled(doc.text) else _substituted(doc, variables) for doc in docs)


def _disabled(text: str) -> bool:
    try:
        obj: Any = yaml.safe_load(text)
    except yaml.YAMLError:
        return False
    metadata = obj.get("metadata") if isinstance(obj, dict) else None
    if not isinstance(metadata, dict):
        return False
    annotations, labels = (
        m if isinstance(m, dict) else None for m in (metadata.get("annotations"), metadata.get("labels"))
    )
    return substitution_disabled(annotations, labels)


def _substituted(doc: RenderedDoc, variables: Mapping[str, str]) -> RenderedDoc:
    text = substitute(doc.text, variables)
    try:
        yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SubstitutionError(f"YAMLToJSON: {str(exc).splitlines()[0]}") from exc
    return RenderedDoc(text, doc.source)
