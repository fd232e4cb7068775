"""Page weight of the portal's first page (/portal/, what a returnee opens on a phone), target < 300 KB.

Measured: the HTML and every asset it references (stylesheets, scripts, icons), fetched through the app as a
browser would on a first visit (empty cache): response bodies plus headers, uncompressed, and the same
gzip-compressed (what a compressing front server would send). Also asserted: every referenced asset is
served by the app itself (no other origin).

Baseline, same run, same method: the staff sign-in page (/accounts/login/), which loads the staff UI's
assets (HTMX, the staff stylesheet and script).

The browser test ``fanxiang/portal/tests/test_browser_portal.py::test_page_weight_and_no_foreign_requests``
measures the same page in Chromium (bytes transferred as the browser reports them) and prints that figure.

Run: ``.venv/bin/python bench/bench_portal_weight.py``.
"""

import gzip
import re
from urllib.parse import urlparse

from _setup import setup

LIMIT = 300 * 1024
ASSET = re.compile(r"""<(?:link|script|img)\b[^>]*?\b(?:href|src)=["']([^"']+)["']""", re.I)


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _headers(response) -> int:
    return sum(len(k) + len(v) + 4 for k, v in response.items()) + len("HTTP/1.1 200 OK\r\n\r\n")


def weigh(client, path: str) -> dict:
    page = client.get(path)
    assert page.status_code == 200, (path, page.status_code)
    html = _body(page)
    rows = [(path, len(html), _headers(page), len(gzip.compress(html)))]
    foreign = []
    for url in dict.fromkeys(ASSET.findall(html.decode())):
        parsed = urlparse(url)
        if parsed.scheme or parsed.netloc:
            foreign.append(url)
            continue
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        body = _body(response)
        rows.append((url, len(body), _headers(response), len(gzip.compress(body))))
    return {
        "rows": rows,
        "foreign": foreign,
        "total": sum(r[1] + r[2] for r in rows),
        "total_gzip": sum(r[3] + r[2] for r in rows),
    }


def main() -> None:
    setup()
    from django.test import Client

    client = Client()
    portal = weigh(client, "/portal/")
    staff = weigh(Client(), "/accounts/login/")
    print("portal first page (/portal/), empty cache:")
    for url, body, headers, gz in portal["rows"]:
        print(f"  {url:<40} {body:>9,} B body  {headers:>5,} B headers  ({gz:,} B gzip)")
    print(
        f"portal first page: {portal['total']:,} bytes transferred uncompressed, {portal['total_gzip']:,} gzip "
        f"({len(portal['rows'])} requests; limit {LIMIT:,}) -> {'OK' if portal['total'] < LIMIT else 'OVER LIMIT'}"
    )
    print(
        f"baseline staff sign-in page (/accounts/login/): {staff['total']:,} bytes uncompressed, "
        f"{staff['total_gzip']:,} gzip ({len(staff['rows'])} requests)"
    )
    print(f"portal / staff sign-in: {portal['total'] / staff['total']:.2f}x")
    print(f"assets from another origin: {portal['foreign'] or 'none'}")
    assert not portal["foreign"], portal["foreign"]
    assert portal["total"] < LIMIT


if __name__ == "__main__":
    main()
