# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the docs site's pages of a collection's Event-Driven Ansible content, which antsibull-docs does not document:
one page per event source (from its DOCUMENTATION and EXAMPLES, their Ansible markup rendered as antsibull-docs
renders a module's, with the same labels) and one per rulebook (its file).

    eda_pages.py COLLECTION_DIR DEST_DIR    (make docs-site: the installed collection, build/docsite/rst/eda)
"""

import glob
import os
import sys
import textwrap

from ansible.parsing.plugin_docs import read_docstring
from antsibull_docs.rst_labels import get_option_ref, get_plugin_ref
from antsibull_docs_parser import dom, parser, rst

FQCN = "cryptoops.okx"


class EventSourceFormatter(rst.AntsibullRSTFormatter):
    """Sphinx's antsibull roles know no event sources, nor these environment variables: an option is a link to its
    entry on the page, an environment variable a literal."""

    def format_option_name(self, part, url):
        label = get_option_ref(part.plugin.fqcn, part.plugin.type, None, part.link) if part.plugin else None
        name = rst.rst_escape(part.name, escape_ending_whitespace=True, must_not_be_empty=True)
        return "\\ :ref:`%s <%s>`\\ " % (name, label) if label else "\\ :literal:`%s`\\ " % name

    def format_env_variable(self, part):
        return self.format_code(dom.CodePart(text=part.name))


def heading(text, underline):
    return "%s\n%s\n" % (text, underline * len(text))


def event_source_page(name, path):
    # ansible-doc's reader: the docs without importing the source (which imports ansible-rulebook's world)
    docstring = read_docstring(os.path.abspath(path), verbose=False, ignore_errors=False)
    doc, examples = docstring["doc"], docstring["plainexamples"]
    plugin = dom.PluginIdentifier(fqcn="%s.%s" % (FQCN, name), type="event_source")
    context = parser.Context(current_plugin=plugin)

    def markup(paragraphs):
        paragraphs = [paragraphs] if isinstance(paragraphs, str) else paragraphs
        return rst.to_rst(parser.parse(paragraphs, context, strict=True), EventSourceFormatter(), current_plugin=plugin)

    def bullets(paragraphs):
        return "\n".join("- " + markup(paragraph).replace("\n", "\n  ") for paragraph in paragraphs)

    title = "%s event source -- %s" % (plugin.fqcn, doc["short_description"])
    parts = [".. _%s:\n" % get_plugin_ref(plugin.fqcn, plugin.type), heading(title, "="),
             heading("Synopsis", "-"), bullets(doc["description"]) + "\n"]
    if doc.get("requirements"):
        parts += [heading("Requirements", "-"), bullets(doc["requirements"]) + "\n"]
    parts.append(heading("Options", "-"))
    for option, spec in sorted(doc.get("options", {}).items()):
        kind = spec.get("type", "str")
        if "default" in spec:
            default = spec["default"]
            kind += ", default: ``%s``" % (str(default).lower() if isinstance(default, bool) else default)
        parts += [".. _%s:\n" % get_option_ref(plugin.fqcn, plugin.type, None, [option]),
                  "``%s`` (%s)\n%s\n" % (option, kind, textwrap.indent(markup(spec["description"]), "   "))]
    if doc.get("notes"):
        parts += [heading("Notes", "-"), bullets(doc["notes"]) + "\n"]
    if examples:
        parts += [heading("Examples", "-"), ".. code-block:: yaml+jinja\n\n%s\n" % textwrap.indent(examples.strip("\n"), "   ")]
    return "\n".join(parts)


def rulebook_page(name, path):
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    fqcn = "%s.%s" % (FQCN, name)
    return "\n".join([
        ".. _ansible_collections.%s_rulebook:\n" % fqcn, heading("%s rulebook" % fqcn, "="),
        "Run it with ``ansible-rulebook -r %s``: :doc:`../guides/eda` says how, and how in Event-Driven Ansible "
        "controller. The rulebook, ``extensions/eda/rulebooks/%s``:\n" % (fqcn, os.path.basename(path)),
        ".. code-block:: yaml+jinja\n\n%s\n" % textwrap.indent(text.rstrip("\n"), "   ")])


def main(collection, dest):
    os.makedirs(dest, exist_ok=True)
    for kind, pattern, write in (("event_source", "plugins/event_source/*.py", event_source_page),
                                 ("rulebook", "rulebooks/*.yml", rulebook_page)):
        for path in sorted(glob.glob(os.path.join(collection, "extensions", "eda", pattern))):
            name = os.path.splitext(os.path.basename(path))[0]
            if name.startswith("_"):
                continue
            with open(os.path.join(dest, "%s_%s.rst" % (name, kind)), "w", encoding="utf-8") as handle:
                handle.write(write(name, path))


if __name__ == "__main__":
    main(*sys.argv[1:])
