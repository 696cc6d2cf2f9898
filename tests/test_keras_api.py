"""keras_api.py against the installed Keras: every class, keyword and positional order.

Keras 3 always (the `runtime` extra installs it); Keras 2 where `tf_keras` is installed (the `dev` extra
installs it). Keras runs in a child process (tests/keras_probe.py), once per major version, so TensorFlow
is never imported into the test process.

For each class: SIGNATURES must equal what ``inspect.signature`` shows (its keywords, plus the base
Layer's when ``**kwargs`` reaches Layer.__init__; its positional parameters in order), and each
hand-kept override must be needed (not already in the signature) and true (constructing the layer with
an extra keyword succeeds, with a refused one raises, with an unknown one raises unless the override
says Keras ignores it). A keyword that an ``__init__`` between the class and Layer names or reads from
``**kwargs`` and that keras_api does not list must raise too, so a missing override is caught.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lstmlint.keras_api import (
    LAYER_BASE_K2,
    LAYER_BASE_K3,
    LAYERS,
    OVERRIDES_K2,
    OVERRIDES_K3,
    SIGNATURES,
    Override,
)

pytestmark = pytest.mark.slow  # probes Keras 3 and tf_keras, each importing TensorFlow
PROBE = Path(__file__).with_name("keras_probe.py")
UNKNOWN = "lstmlint_probe_keyword"
BASE = {3: LAYER_BASE_K3, 2: LAYER_BASE_K2}
OVERRIDES = {3: OVERRIDES_K3, 2: OVERRIDES_K2}
# A keyword error, as Keras 3, Keras 2 and Python word it.
KEYWORD_ERRORS = ("Unrecognized keyword arguments", "Keyword argument not understood",
                  "unexpected keyword argument", "got multiple values for")


def _is_keyword_error(error: str | None) -> bool:
    return error is not None and any(m in error for m in KEYWORD_ERRORS)


def _keywords(spec, version):
    return spec.k3 if version == 3 else spec.k2


def _positional(spec, version):
    return spec.positional if version == 3 else (spec.positional_k2 or spec.positional)


def _probe(version: int, tmp_path_factory) -> dict:
    if version == 2 and importlib.util.find_spec("tf_keras") is None:
        # find_spec, not importorskip: importing tf_keras would load TensorFlow into this process
        pytest.skip("tf_keras is not installed (pip install tf_keras): no Keras 2 to compare with")
    classes = {
        name: {
            # every keyword keras_api says constructs (the probe tries those the signature does not name)
            "accepts": sorted(_keywords(spec, version) or ()),
            "refuses": sorted(OVERRIDES[version].get(name, Override()).refused),
        }
        for name, spec in LAYERS.items()
    }
    request = {"keras": version, "base": sorted(BASE[version]), "classes": classes}
    proc = subprocess.run([sys.executable, str(PROBE)], input=json.dumps(request), capture_output=True,
                          text=True, timeout=600, cwd=tmp_path_factory.mktemp(f"keras{version}"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def keras3(tmp_path_factory):
    return _probe(3, tmp_path_factory)


@pytest.fixture(scope="module")
def keras2(tmp_path_factory):
    return _probe(2, tmp_path_factory)


@pytest.fixture(params=[3, 2], ids=["keras3", "keras2"])
def installed(request):
    version = request.param
    return version, request.getfixturevalue(f"keras{version}")


def _label(name, version, info):
    return f"{name} (Keras {version}, {info['where'] if info else 'absent'})"


def test_base_layer_keywords(installed):
    version, probe = installed
    base = probe["base"]
    assert base["var_keyword"]
    signature = set(base["keywords"])
    assert signature <= BASE[version], f"Layer.__init__ has keywords keras_api lacks: {signature - BASE[version]}"
    # the rest are popped from **kwargs or allowed by name: each must construct a bare Layer
    refused = {k: e for k, e in base["accepts"].items() if e is not None}
    assert not refused, f"Layer refuses keywords listed in LAYER_BASE_K{version}: {refused}"
    assert _is_keyword_error(base["unknown"]), base["unknown"]
    unlisted = {k: e for k, e in base["unlisted"].items() if not _is_keyword_error(e)}
    assert not unlisted, f"Layer.__init__ reads keywords from **kwargs that LAYER_BASE_K{version} lacks: {unlisted}"


@pytest.mark.parametrize("name", list(SIGNATURES))
def test_class_matches_signature(installed, name):
    version, probe = installed
    spec, info = SIGNATURES[name], probe["classes"][name]
    listed = _keywords(spec, version)
    label = _label(name, version, info)
    assert (listed is None) == (info is None), (
        f"{label}: keras_api says it {'does not exist' if listed is None else 'exists'}")
    if info is None:
        return
    assert info["baseline"] is None, f"{label}: cannot be constructed for the probe: {info['baseline']}"
    override = OVERRIDES[version].get(name, Override())
    derived = set(info["keywords"])
    if info["var_keyword"] and override.to_layer:
        derived |= BASE[version]
    assert set(listed) == derived, (
        f"{label}: keras_api.SIGNATURES lists {sorted(set(listed) - derived)} that the signature lacks and "
        f"lacks {sorted(derived - set(listed))} that it has")
    assert list(_positional(spec, version)) == info["positional"], (
        f"{label}: positional order differs:\n  keras_api {list(_positional(spec, version))}\n"
        f"  Keras     {info['positional']}")


@pytest.mark.parametrize("name", list(SIGNATURES))
def test_keywords_through_kwargs_construct(installed, name):
    """Every keyword keras_api says reaches the constructor through **kwargs really constructs."""
    version, probe = installed
    info = probe["classes"][name]
    if info is None:
        assert _keywords(SIGNATURES[name], version) is None
        return
    failed = {k: e for k, e in info["accepts"].items() if e is not None}
    assert not failed, f"{_label(name, version, info)}: keywords keras_api accepts raise: {failed}"


@pytest.mark.parametrize("name", list(SIGNATURES))
def test_refused_and_unknown_keywords_raise(installed, name):
    version, probe = installed
    info = probe["classes"][name]
    if info is None:
        assert _keywords(SIGNATURES[name], version) is None
        return
    label = _label(name, version, info)
    override = OVERRIDES[version].get(name, Override())
    for keyword, error in info["refuses"].items():
        assert _is_keyword_error(error), f"{label}: {keyword}= is listed as refused but gave {error}"
    if override.ignores_unknown:
        assert info["unknown"] is None, f"{label}: the override says unknown keywords are ignored: {info['unknown']}"
    else:
        unknown = info["unknown"]
        assert _is_keyword_error(unknown) and UNKNOWN in unknown, f"{label}: an unknown keyword gave {unknown}"


@pytest.mark.parametrize("name", list(SIGNATURES))
def test_no_unlisted_keyword_constructs(installed, name):
    """A keyword some __init__ between the class and Layer names or reads from **kwargs, and that keras_api does
    not list, must raise: otherwise keras_api lacks an override (or Keras gained a keyword)."""
    version, probe = installed
    info = probe["classes"][name]
    if info is None:
        assert _keywords(SIGNATURES[name], version) is None
        return
    accepted = {k: e for k, e in info["unlisted"].items() if not _is_keyword_error(e)}
    assert not accepted, (
        f"{_label(name, version, info)}: Keras takes {sorted(accepted)} through **kwargs but keras_api does not "
        f"list them (add them to OVERRIDES_K{version} with the source line): {accepted}")


@pytest.mark.parametrize("version", [3, 2])
def test_every_override_is_needed(version, request):
    """An override repeats nothing the signature shows, and names a class of that version."""
    probe = request.getfixturevalue(f"keras{version}")
    for name, override in OVERRIDES[version].items():
        info = probe["classes"].get(name)
        assert info is not None, f"OVERRIDES_K{version} names {name}, which Keras {version} does not have"
        label = _label(name, version, info)
        derived = set(info["keywords"]) | (BASE[version] if info["var_keyword"] and override.to_layer else set())
        assert not override.extra & derived, f"{label}: extra {sorted(override.extra & derived)} is in the signature"
        assert override.refused <= derived, f"{label}: refuses {sorted(override.refused - derived)} it never had"
        assert info["var_keyword"] or override == Override(), f"{label}: no **kwargs, so nothing to override"
        assert override != Override(), f"{label}: an empty override"


def test_layers_are_signatures_plus_overrides():
    for name, spec in LAYERS.items():
        raw = SIGNATURES[name]
        for version in (3, 2):
            override = OVERRIDES[version].get(name)
            keywords = _keywords(raw, version)
            if keywords is None or override is None:
                assert _keywords(spec, version) == keywords, name
            else:
                assert _keywords(spec, version) == (keywords | override.extra) - override.refused, name
