"""Runs scim2-tester (PyPI) against a phonelogin SCIM endpoint: `scim_compliance.py URL TOKEN`.

phonelogin's userName is a mobile number (PRODUCT §13), which the tester's random strings
never are: this wrapper makes the tester's generated userName a Norwegian mobile number, the
primary phoneNumbers value the same number, and the birthdate a date. Everything else is the
tester's own.
"""
import random
import sys

import httpx2
import scim2_tester.filling as filling
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server
import scim2_tester.checkers  # noqa: F401  (loads every module that imported the generator)

original = filling.generate_random_value
last_number = ["4700000000"]


def generate(context, path, mutability=None, required=None):
    value = original(context, path, mutability=mutability, required=required)
    name = str(path)
    if value is None:
        return value
    if name.endswith("userName"):
        last_number[0] = "47" + "".join(random.choice("0123456789") for _ in range(8))
        return last_number[0]
    if name.endswith("phoneNumbers.value"):
        return "+" + last_number[0]
    if name.endswith("birthdate"):
        return f"{random.randint(1930, 2005)}-{random.randint(1, 12):02d}-{random.randint(1, 28):02d}"
    return value


for module in [m for name, m in list(sys.modules.items()) if name.startswith("scim2_tester")]:
    if getattr(module, "generate_random_value", None) is original:
        module.generate_random_value = generate


def main():
    url, token = sys.argv[1], sys.argv[2]
    client = SyncSCIMClient(httpx2.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}))
    results = check_server(client)
    failed = 0
    for r in results:
        ok = r.status == Status.SUCCESS
        failed += 0 if ok else 1
        print(f"{r.status.name} {r.title}" + (f"\n  {r.reason}" if r.reason else ""))
    print(f"scim2-tester: {len(results) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
