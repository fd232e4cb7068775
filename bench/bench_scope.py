"""Scope overhead: the scoped target list for a county officer against the unscoped list a city admin
gets, on the same data in the same run (66k targets: 220 regions × 3 indicators × 100 years).

Prints p50/p95 per caller and the ratio officer/admin. The scope rule must not make a county user's
page slower than the city's."""

import time
from decimal import Decimal

from _setup import percentiles, setup


def main(rounds: int = 60) -> None:
    setup()
    from django.test import Client

    from fanxiang.demo.services import load_demo_data, load_reference_data
    from fanxiang.regions.models import Region
    from fanxiang.targets.models import Indicator, Target

    load_reference_data()
    load_demo_data()
    regions = list(Region.objects.filter(level__in=["county", "township"]))
    rows = [
        Target(year=year, indicator=ind, region=r, value=Decimal(100))
        for year in range(2000, 2100)
        if year != 2020
        for ind in Indicator.values
        for r in regions
    ]
    Target.objects.bulk_create(rows, batch_size=5000)
    print(f"targets: {Target.objects.count():,}")
    results = {}
    for username in ("city_admin", "officer_411625"):
        client = Client()
        token = client.post(
            "/api/v1/auth/token",
            {"username": username, "password": "Demo@2020fx"},
            content_type="application/json",
        ).json()["token"]
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        for _ in range(5):
            client.get("/api/v1/targets/", {"page_size": 50, "page": 3}, **headers)
        samples = []
        for i in range(rounds):
            start = time.perf_counter()
            response = client.get("/api/v1/targets/", {"page_size": 50, "page": 1 + i % 10}, **headers)
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        count = response.json()["count"]
        p50, p95 = percentiles(samples)
        results[username] = p50
        print(
            f"GET /api/v1/targets/ as {username:<15} rows in scope {count:>7,}  p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
        )
    print(f"ratio officer/admin p50: {results['officer_411625'] / results['city_admin']:.2f}")


if __name__ == "__main__":
    main()
