# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docs site `make docs-site` built (OKX_DOCSITE, its html directory): a page for each module, plugin and role of
the collection and for each guide (docs/*.md), reached from the home page, and for each event source and rulebook.

Sphinx already failed the build on a broken reference or a page outside the navigation; this checks that nothing of
the collection is missing from the site. Each list is read from the repository, so a new plugin or guide is checked.
"""

import glob
import os
import re
from html.parser import HTMLParser

import pytest
from ansible.constants import DOCUMENTABLE_PLUGINS
from ansible.parsing.plugin_docs import read_docstring

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SITE = os.environ.get("OKX_DOCSITE", os.path.join(REPO, "build", "docsite", "html"))
COLLECTION = os.path.join("collections", "cryptoops", "okx")


def documented_plugins():
    """(type, name) of each plugin ansible-doc documents, one per file: modules and plugins/<type>/ of such a type.
    A filter or test file can hold several plugins, and action plugins are documented as their module."""
    for path in sorted(glob.glob(os.path.join(REPO, "plugins", "*", "*.py"))):
        directory = os.path.basename(os.path.dirname(path))
        plugin_type = "module" if directory == "modules" else directory
        name = os.path.splitext(os.path.basename(path))[0]
        if plugin_type in DOCUMENTABLE_PLUGINS and plugin_type not in ("filter", "test") and not name.startswith("_"):
            yield plugin_type, name


PLUGINS = list(documented_plugins())
ROLES = sorted(os.path.basename(path) for path in glob.glob(os.path.join(REPO, "roles", "*")) if os.path.isdir(path))
GUIDES = sorted(glob.glob(os.path.join(REPO, "docs", "*.md")))


def eda_content(pattern):
    """{FQCN: path} of the Event-Driven Ansible content: antsibull-docs does not document it, hack/docsite/eda_pages.py
    writes its pages."""
    return dict(("cryptoops.okx." + os.path.splitext(os.path.basename(path))[0], path)
                for path in glob.glob(os.path.join(REPO, "extensions", "eda", pattern))
                if not os.path.basename(path).startswith("_"))


EVENT_SOURCES = eda_content("plugins/event_source/*.py")
RULEBOOKS = eda_content("rulebooks/*.yml")
EDA = sorted(EVENT_SOURCES) + sorted(RULEBOOKS)


class _Page(HTMLParser):
    """The title, links and text of an HTML page."""

    def __init__(self):
        super().__init__()
        self.title, self.links, self.text = "", set(), []
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag == "a" and dict(attrs).get("href"):
            self.links.add(dict(attrs)["href"].split("#")[0])
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        self.text.append(data)


def page(relpath):
    path = os.path.join(SITE, relpath)
    assert os.path.isfile(path), "the docs site has no %s: run make docs-site (OKX_DOCSITE=%s)" % (relpath, SITE)
    with open(path, encoding="utf-8") as f:
        parsed = _Page()
        parsed.feed(f.read())
    # Sphinx's "<page title> &mdash; <site title>", its entities already decoded by the parser.
    parsed.title = parsed.title.rsplit(" \u2014 ", 1)[0]
    return parsed


def test_the_lists_come_from_the_repository():
    assert ("module", "okx_one_click_repay") in PLUGINS and ("strategy", "fleet") in PLUGINS
    assert "one_click_repay" in ROLES and len(GUIDES) >= 5
    assert "cryptoops.okx.okx_debts" in EVENT_SOURCES and "cryptoops.okx.repay_new_debts" in RULEBOOKS


@pytest.mark.parametrize("plugin_type, name", PLUGINS)
def test_each_module_and_plugin_has_its_page_on_the_collection_page(plugin_type, name):
    relpath = os.path.join(COLLECTION, "%s_%s.html" % (name, plugin_type))
    assert page(relpath).title.startswith("cryptoops.okx.%s %s \u2013 " % (name, plugin_type))
    assert os.path.basename(relpath) in page(os.path.join(COLLECTION, "index.html")).links


@pytest.mark.parametrize("role", ROLES)
def test_each_role_has_its_page_on_the_collection_page(role):
    relpath = os.path.join(COLLECTION, "%s_role.html" % role)
    assert page(relpath).title.startswith("cryptoops.okx.%s role \u2013 " % role)
    assert os.path.basename(relpath) in page(os.path.join(COLLECTION, "index.html")).links


@pytest.mark.parametrize("guide", GUIDES, ids=os.path.basename)
def test_each_guide_has_its_page_on_the_home_page(guide):
    with open(guide, encoding="utf-8") as f:
        heading = next(line for line in f if line.startswith("# "))
    relpath = "guides/%s.html" % os.path.splitext(os.path.basename(guide))[0]
    # The page's title is the guide's first heading, its markdown markup rendered, its quotes curled (Sphinx's
    # smartquotes, which antsibull-docs' pages rely on: their "--" are dashes).
    title = page(relpath).title.translate({0x2018: "'", 0x2019: "'", 0x201c: '"', 0x201d: '"'})
    assert title == re.sub(r"[`*]", "", heading[2:].strip())
    assert relpath in page("index.html").links


def test_the_home_page_leads_to_the_collection_page():
    assert COLLECTION.replace(os.sep, "/") + "/index.html" in page("index.html").links


@pytest.mark.parametrize("name", EDA)
def test_each_event_source_and_rulebook_has_its_page_on_the_home_page(name):
    kind = "event_source" if name in EVENT_SOURCES else "rulebook"
    relpath = "eda/%s_%s.html" % (name[len("cryptoops.okx."):], kind)
    shown = page(relpath)
    assert shown.title.startswith("%s %s" % (name, kind.replace("_", " ")))
    assert relpath in page("index.html").links
    if kind == "event_source":
        # each option, with the anchor that the source's own O() markup links to
        documented = read_docstring(EVENT_SOURCES[name], verbose=False, ignore_errors=False)["doc"]
        with open(os.path.join(SITE, relpath), encoding="utf-8") as f:
            html = f.read()
        for option in documented["options"]:
            assert 'event-source-parameter-%s"' % option.replace("_", "-") in html, option
    else:
        text = "".join(shown.text)
        with open(RULEBOOKS[name], encoding="utf-8") as f:
            assert all(line.strip() in text for line in f if line.strip()), "the page does not show the rulebook's file"
