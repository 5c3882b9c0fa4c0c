# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""OKX's documented example replies (tests/okx-examples/*.json) and their shape, for the unit and simulator tests.

    load("history-v2")["reply"]          # OKX's example reply, as the fixture holds it
    shape(reply)                         # {"code": "string", "data": [{"debtCcy": "string", ...}], ...}
    missing(shape(actual), shape(doc))   # what of the documented shape a reply lacks or types differently

Stdlib only, Python 3.8+, no ansible: the unit tests import it as ``ansible_collections.cryptoops.okx.tests.
okx_examples``, the simulator tests as ``tests.okx_examples``. ``python -m tests.okx_examples`` prints every
fixture's shape (README.md in okx-examples/ explains the files).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

DIRECTORY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "okx-examples")
FIELDS = ("endpoint", "source", "page_updated", "copied_from", "verbatim", "notes", "reply")


def names():
    """The fixtures' names (file names without .json), sorted."""
    return sorted(name[:-len(".json")] for name in os.listdir(DIRECTORY) if name.endswith(".json"))


def load(name):
    """The fixture ``name`` (``history-v2`` or ``history-v2.json``): a dict with FIELDS, ``reply`` OKX's reply."""
    if not name.endswith(".json"):
        name += ".json"
    with open(os.path.join(DIRECTORY, name), "rb") as handle:
        return json.loads(handle.read().decode("utf-8"))


def _type(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    raise TypeError("not a JSON value: %r" % (value,))


def shape(value):
    """The JSON types of a value, recursively: an object gives {field: shape}, a list [the shape of its items] ([] when
    it is empty: its items' type is unknown), anything else its JSON type name ("string", "boolean", "number",
    "null"). The items of a list are merged: objects take the union of their fields, two different types read
    "number|string"."""
    if isinstance(value, dict):
        return dict((key, shape(item)) for key, item in value.items())
    if isinstance(value, list):
        merged = None
        for item in value:
            merged = shape(item) if merged is None else merge(merged, shape(item))
        return [] if merged is None else [merged]
    return _type(value)


def merge(one, other):
    """The union of two shapes (what a list holding both values has)."""
    if isinstance(one, dict) and isinstance(other, dict):
        result = dict(one)
        for key, value in other.items():
            result[key] = merge(result[key], value) if key in result else value
        return result
    if isinstance(one, list) and isinstance(other, list):
        if not one or not other:
            return one or other
        return [merge(one[0], other[0])]
    if one == other:
        return one
    return "|".join(sorted(set(_names(one)) | set(_names(other))))


def _names(part):
    if isinstance(part, dict):
        return ["object"]
    if isinstance(part, list):
        return ["array"]
    return part.split("|")


def missing(actual, documented, where="reply"):
    """What ``actual`` (a shape) lacks of ``documented`` (a shape): ["where: what"], empty when it includes it.

    Every documented field must be there with the same type; extra fields are not reported (see ``extra``). An empty
    list on either side says nothing about its items' type and is not held against the other."""
    if isinstance(documented, dict):
        if not isinstance(actual, dict):
            return ["%s: %s instead of an object" % (where, describe(actual))]
        problems = []
        for key in sorted(documented):
            if key not in actual:
                problems.append("%s.%s: missing (documented: %s)" % (where, key, describe(documented[key])))
            else:
                problems.extend(missing(actual[key], documented[key], "%s.%s" % (where, key)))
        return problems
    if isinstance(documented, list):
        if not isinstance(actual, list):
            return ["%s: %s instead of an array" % (where, describe(actual))]
        if documented and actual:
            return missing(actual[0], documented[0], where + "[]")
        return []
    if actual != documented:
        return ["%s: %s instead of %s" % (where, describe(actual), documented)]
    return []


def extra(actual, documented, where="reply"):
    """The fields of ``actual`` (a shape) that ``documented`` does not have, as paths ("reply.data[].foo")."""
    found = []
    if isinstance(actual, dict) and isinstance(documented, dict):
        for key in sorted(actual):
            path = "%s.%s" % (where, key)
            if key not in documented:
                found.append(path)
            else:
                found.extend(extra(actual[key], documented[key], path))
    elif isinstance(actual, list) and isinstance(documented, list) and actual and documented:
        found.extend(extra(actual[0], documented[0], where + "[]"))
    return found


def describe(part):
    if isinstance(part, dict):
        return "an object"
    if isinstance(part, list):
        return "an array"
    return part


def main():
    for name in names():
        fixture = load(name)
        print("%s (%s, %s)" % (fixture["endpoint"], name, "verbatim" if fixture["verbatim"] else "not verbatim"))
        print(json.dumps(shape(fixture["reply"]), indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
