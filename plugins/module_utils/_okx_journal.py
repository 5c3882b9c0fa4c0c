# -*- coding: utf-8 -*-
# Copyright: contributors to the cryptoops.okx collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE to the cryptoops.okx collection: this module util may change without notice and is not a public API.
"""The repay journal: the repays this machine posted whose outcome OKX's history has not shown final yet.

It fails closed. Only "no journal file" means "nothing journaled": a file that cannot be read or parsed, of another
version, of another account, or with an entry this version does not know, stops every debt of the account with the
file's path and what to do, and is never overwritten. The same format is carried between machines (an AWX job's
result, kept in its host's fact cache, read back by the next job): ``export()`` and ``merge()``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import json

from ansible_collections.cryptoops.okx.plugins.module_utils._okx_util import OKXError, is_currency

VERSION = 1


class Entry(collections.namedtuple("Entry", "debt_ccy repay_ccy_list window known ts")):
    """One journaled POST.

    ``window``: (low, high), OKX ms: where the POST's history record can be (sent no earlier than low; OKX refuses a
    request signed more than 30 s before it arrives, so its record is no later than high).
    ``known``: the ts of the debt's records in the history read before the POST: none of them is this POST's.
    ``ts``: OKX's ts from the POST's reply when OKX accepted it; None while its outcome is open.
    """

    __slots__ = ()

    def to_json(self):
        return dict(repay_ccy_list=list(self.repay_ccy_list), window=list(self.window), known=sorted(self.known),
                    ts=self.ts)

    @classmethod
    def from_json(cls, debt_ccy, value):
        """The entry, or ValueError naming the field this version cannot read."""
        if not is_currency(debt_ccy):
            raise ValueError("a debt currency %r" % (debt_ccy,))
        if not isinstance(value, dict) or sorted(value) != ["known", "repay_ccy_list", "ts", "window"]:
            fields = sorted(value) if isinstance(value, dict) else type(value).__name__
            raise ValueError("the entry of %s (fields %s)" % (debt_ccy, fields))
        repay, window, known, ts = value["repay_ccy_list"], value["window"], value["known"], value["ts"]
        if not (isinstance(repay, list) and repay and all(is_currency(ccy) for ccy in repay)):
            raise ValueError("%s.repay_ccy_list" % debt_ccy)
        if not (isinstance(window, list) and len(window) == 2 and all(_is_ms(ms) for ms in window)
                and window[0] <= window[1]):
            raise ValueError("%s.window" % debt_ccy)
        if not (isinstance(known, list) and all(_is_ms(ms) for ms in known)):
            raise ValueError("%s.known" % debt_ccy)
        if not (ts is None or (isinstance(ts, str) and ts.isdigit())):
            raise ValueError("%s.ts" % debt_ccy)
        return cls(debt_ccy, list(repay), (window[0], window[1]), frozenset(known), ts)


def _is_ms(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


class Journal:
    """The journal of one account (``account``: its identity at OKX, not how api_url is written) in ``state``."""

    def __init__(self, state, account):
        self.state = state
        self.account = account
        self.name = "journal-%s.json" % account

    @property
    def path(self):
        return self.state.file(self.name)

    def _refuse(self, what, where=None):
        return OKXError("the repay journal %s %s: it may stand for a repay in flight, so no debt of this account is "
                        "repaid until it is fixed. Check OKX's one-click repay history (okx_one_click_repay_info with "
                        "history: true), then restore the file, or remove it once no repay of this account is "
                        "running" % (where or self.path, what), kind="journal")

    def parse(self, text, where=None):
        """{debt_ccy: Entry} from the journal's JSON text; OKXError for anything this version cannot read."""
        try:
            value = json.loads(text)
        except ValueError:
            raise self._refuse("is not valid JSON (damaged or truncated)", where)
        if not isinstance(value, dict) or value.get("version") != VERSION:
            raise self._refuse("is not a version %d journal" % VERSION, where)
        if sorted(value) != ["account", "entries", "version"] or not isinstance(value["entries"], dict):
            raise self._refuse("has fields this version does not know", where)
        if value["account"] != self.account:
            raise self._refuse("belongs to another account", where)
        try:
            return dict((ccy, Entry.from_json(ccy, entry)) for ccy, entry in value["entries"].items())
        except ValueError as err:
            raise self._refuse("has an entry that cannot be read: %s" % err, where)

    def read(self):
        """The open entries; {} only when there is no journal file."""
        text = self.state.read_text(self.name)
        return {} if text is None else self.parse(text)

    def export(self, entries):
        """The journal as carried to another machine (and as stored)."""
        return dict(version=VERSION, account=self.account,
                    entries=dict((ccy, entry.to_json()) for ccy, entry in sorted(entries.items())))

    def _change(self, change):
        """Read (failing closed), change and write the journal under its lock; the entries written."""
        with self.state.lock(self.name + ".lock"):
            entries = self.read()
            change(entries)
            self.state.write_text(self.name, json.dumps(self.export(entries), sort_keys=True), durable=True)
            return entries

    def put(self, entry):
        return self._change(lambda entries: entries.__setitem__(entry.debt_ccy, entry))

    def remove(self, debt_ccy):
        return self._change(lambda entries: entries.pop(debt_ccy, None))

    def merge(self, carried):
        """Add the entries of a journal carried from another machine for debts this one has none of.

        Only adds: a carried entry can keep a debt waiting for evidence, never release one.
        """
        try:
            text = json.dumps(carried)
        except (TypeError, ValueError):
            raise self._refuse("is not JSON", where="carried in the option journal")
        theirs = self.parse(text, where="carried in the option journal")

        def add(entries):
            for ccy, entry in theirs.items():
                entries.setdefault(ccy, entry)
        return self._change(add) if theirs else self.read()
