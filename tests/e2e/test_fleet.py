# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role over a fleet: 40 accounts x 3 debts with forks 10, within OKX's limits, each debt repaid once, with
ansible-core's strategy and with the collection's (cryptoops.okx.fleet).
(`make bench` measures the speed; this holds the guarantees in every CI run.)"""

import collections

import pytest

from tests.e2e.helpers import posts
from tests.simulator.states import fleet


@pytest.mark.parametrize("strategy", ["linear", "cryptoops.okx.fleet"])
def test_the_role_repays_a_fleet_once_per_debt_within_okx_limits(state, sim, playbook, tmp_path, strategy):
    accounts = fleet(40, 3)["accounts"]
    sim.reset(fleet(40, 3))
    inventory = tmp_path / "inventory.yml"
    inventory.write_text("okx_accounts:\n  hosts:\n" + "".join(
        "    %s: {okx_repay_api_key: %s, okx_repay_api_secret: %s, okx_repay_api_passphrase: %s}\n"
        % (account["name"], account["api_key"], account["secret"], account["passphrase"]) for account in accounts))
    run = playbook("- import_playbook: cryptoops.okx.one_click_repay\n", "-i", str(inventory), "--forks", "10",
                   creds=False, env={"OKX_API_URL": sim.url, "ANSIBLE_STRATEGY": strategy})
    assert run.rc == 0, run.stdout[-3000:]
    log = sim.log()
    assert not [entry for entry in log if entry["code"] == "50011"]
    calls = collections.defaultdict(list)
    for entry in log:
        calls[(entry["uid"], entry["path"].split("?")[0])].append(entry["monotonic"])
    gaps = [b - a for (uid, path), times in calls.items() if "one-click-repay" in path
            for a, b in zip(sorted(times), sorted(times)[1:])]
    assert min(gaps) >= 2.0
    per_debt = collections.Counter((entry["uid"], entry["debt_ccy"]) for entry in posts(sim))
    assert len(per_debt) == 120 and set(per_debt.values()) == {1}
    assert all(account["debts"] == {} for account in sim.state()["accounts"])
