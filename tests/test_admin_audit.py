"""The audit trail page: admins only; what people did, filtered and paged, newest first."""

from __future__ import annotations

import pytest

from syndication import audit
from syndication.admin import audit_page, create_app, users
from tests.admin_pages import signed_in
from tests.test_admin_auth import PASSWORD


@pytest.fixture
def app(config, redis, clock):
    users.add(redis, "admin1", "admin", PASSWORD, clock())
    users.add(redis, "editor1", "editor", PASSWORD, clock())
    return create_app(config, redis=redis, clock=clock)


def test_only_admins_read_the_trail(app):
    assert signed_in(app, "editor1").get("/audit").status_code == 403
    assert app.test_client().get("/audit").status_code == 302  # to the sign-in page
    assert signed_in(app, "admin1").get("/audit").status_code == 200


def test_actions_are_listed_in_words_newest_first(app, redis, clock):
    audit.record(redis, "小王", "create", "A7", clock(), version=1, title="六五环境日活动预告")
    clock.advance(60)
    audit.record(redis, "李审核", "approve", "A7", clock(), version=1, count=1, needed=1)
    page = signed_in(app, "admin1").get("/audit").get_data(as_text=True).split("<tbody>")[1]
    approved, created = page.index("审核通过"), page.index("创建文章")
    assert approved < created  # newest first
    assert '<a href="/articles/A7">A7</a>' in page and "title：六五环境日活动预告" in page
    assert page.index("登录") < approved  # admin1's own sign-in, just now, is there too


def test_filters_by_person_action_and_article(app, redis, clock):
    for n in range(3):
        audit.record(redis, f"editor{n}", "create", f"A{n}", clock())
    client = signed_in(app, "admin1")
    page = client.get("/audit?by=editor1").get_data(as_text=True)
    assert "A1</a>" in page and "A0</a>" not in page and "A2</a>" not in page
    page = client.get("/audit?article=A2&action=create").get_data(as_text=True)
    assert "A2</a>" in page and "A1</a>" not in page
    assert "没有符合条件的记录" in client.get("/audit?action=retry").get_data(as_text=True)


def test_pages_go_back_by_entry_id_and_a_bad_id_is_refused(app, redis, clock):
    for n in range(audit_page.PER_PAGE + 5):
        audit.record(redis, "小王", "create", f"A{n}", clock())
    client = signed_in(app, "admin1")
    first = client.get("/audit?action=create").get_data(as_text=True)
    assert first.count("创建文章</td>") == audit_page.PER_PAGE and 'id="older"' in first
    older = audit.page(redis, limit=audit_page.PER_PAGE, action="create").older
    second = client.get(f"/audit?action=create&before={older}").get_data(as_text=True)
    assert second.count("创建文章</td>") == 5 and 'id="older"' not in second
    assert ">A0</a>" in second and ">A0</a>" not in first
    refused = client.get("/audit?before=1;DROP")
    assert refused.status_code == 400 and "不是操作记录的编号" in refused.get_data(as_text=True)
