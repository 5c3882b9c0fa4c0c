# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docs site's own settings: `make docs-site` appends this file to the conf.py `antsibull-docs sphinx-init` writes.

The site builds offline (CI reaches PyPI and nothing else), with every warning fatal (sphinx-build -W): it depends on
no other site, and every reference inside it must resolve.
"""

# sphinx-init's intersphinx_mapping fetches the inventories of docs.ansible.com, docs.python.org and jinja's site:
# offline each fetch is a warning (fatal with -W), or a hang until it times out. None is fetched, and references into
# those sites render as text, not links.
intersphinx_mapping = {}

# myst_parser reads the guides (docs/*.md) as they are. `extensions` is sphinx-init's list, above in conf.py.
extensions.append('myst_parser')  # pylint: disable=undefined-variable

# sphinx-init's nitpicky warns of every reference that does not resolve. Those to Ansible's docs or to other
# collections (labels antsibull-docs' templates use, such as common_return_values, action_plugins or
# ansible_collections.ansible.builtin.set_stats_module) would need those inventories: they are not warned of. A
# reference to a page, option or return value of this collection (its labels name cryptoops.okx) still fails the build.
nitpick_ignore_regex = [('std:ref', r'(?!.*\bcryptoops\.okx\b).*')]

# The guides link to each other's sections with GitHub's heading anchors (safety.md#after-outcome-unknown). A link to a
# guide or section that does not exist fails the build (myst.xref_missing), and so does a relative link to another
# file of the repository, which has no page here: name such a file in code (`awx/configure_awx.yml`), as the guides do.
myst_heading_anchors = 3

# Published on GitHub Pages under the repository's path (.github/workflows/docs.yml): the theme's logo links to the
# site's home there, not to the host's root.
SITE_URL = 'https://cryptoops.github.io/okx/'
html_baseurl = SITE_URL
html_theme_options = {'documentation_home_url': SITE_URL}
html_title = 'cryptoops.okx'
