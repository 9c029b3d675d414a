"""The article pages in Debian's Chromium: an editor writes the sample column article with its
cover, watches the live preview, a reviewer approves it, the engine publishes it to the four
sandbox accounts, the page shows 已发布 with each real URL, and the log, the counts and the
dashboard show it. Screenshots, desktop and phone,
in tests/artifacts/screenshots/."""

from __future__ import annotations

from importlib import resources

import pytest

from syndication import sources
from syndication.admin import create_app, users
from tests.browser_support import PASSWORD, shot, sign_in
from tests.publishing_support import png
from tests.test_admin_articles import with_approvals

ACCOUNTS = ("sh", "js", "zj", "ah")


@pytest.fixture
def site(make_engine, redis, clock, live_server):
    """The engine on a live sandbox, and the admin app (review on) on its own port."""
    engine = make_engine()
    for name, role in (("editor1", "editor"), ("reviewer1", "reviewer")):
        users.add(redis, name, role, PASSWORD, clock())
    app = create_app(with_approvals(engine.ctx.config), redis=redis, clock=clock)
    return engine, live_server(app)


def sample() -> tuple[dict, str, bytes]:
    """The sample column article's front matter, body and cover (as the demo loads them)."""
    folder = resources.files("syndication").joinpath("data")
    text = folder.joinpath("column-sample.md").read_text("utf-8")
    meta, body = sources.split_front_matter(text, "column-sample.md")
    return meta, body, folder.joinpath(meta["cover"]).read_bytes()


def write_article(tab, base: str) -> None:
    """What an editor does: open 写文章, fill in the sample, choose its cover."""
    meta, body, cover = sample()
    tab.goto(f"{base}/articles/new")
    for name in ("title", "author", "digest"):
        tab.fill(f"#{name}", meta[name])
    tab.fill("#body", body)
    tab.set_input_files(
        "#cover", files=[{"name": meta["cover"], "mimeType": "image/jpeg", "buffer": cover}]
    )


def sign_out(tab) -> None:
    tab.click("text=退出")


def test_an_article_written_in_the_form_reaches_every_account(page, site):
    engine, base = site
    sign_in(page, base, "editor1")
    write_article(page, base)
    # The live preview: the body through the real pipeline, the cover, the lint's advice.
    page.wait_for_function(
        "document.getElementById('wx-body').textContent.includes('宣教联盟')"
        " && document.getElementById('wx-cover').src.startsWith('data:image/jpeg')"
    )
    assert page.inner_text("#wx-title") == "长三角区域生态环境宣教联盟正式成立"
    assert page.inner_text("#problem-count") == "0"
    shot(page, "article-form")
    page.click("button[value=save]")
    page.wait_for_url(f"{base}/articles/A1")  # saved (draft.js takes ?saved= off the address)
    assert "待审核" in page.inner_text("#article-state")
    sign_out(page)

    sign_in(page, base, "reviewer1")
    page.goto(f"{base}/articles/A1")
    page.click("#approve")
    assert "已排期" in page.inner_text("#article-state")

    engine.run()
    engine.advance(200)
    page.reload()
    accounts = page.inner_text("#accounts")
    assert accounts.count("已发布") >= len(ACCOUNTS)
    for account in ACCOUNTS:
        block = page.locator(f"#acc-{account}")
        assert "已发布" in block.locator("h3").inner_text()
        url = engine.pub("A1", account).url
        assert block.locator(f'.url a[href="{url}"]').count() == 1
    shot(page, "article-published")

    page.goto(f"{base}/articles")
    assert page.locator(".grid td.cell .st-published").count() == len(ACCOUNTS)
    shot(page, "articles-grid")
    page.goto(f"{base}/articles/calendar")
    assert "长三角区域生态环境宣教联盟正式成立" in page.inner_text(".week")
    shot(page, "articles-calendar")

    page.goto(engine.pub("A1", "sh").url)  # the real article, on the sandbox's account page
    assert "长三角区域生态环境宣教联盟正式成立" in page.content()

    # Found again in the log and in the counts, as an admin or editor would look for it.
    page.goto(f"{base}/log")
    page.fill("input[name=article]", "A1")
    page.click("text=筛选")
    logged = page.inner_text("main")
    assert "A1" in page.url and logged.count("freepublish/submit") == len(ACCOUNTS)
    page.goto(f"{base}/log/counts")
    for account in ACCOUNTS:
        name = engine.ctx.config.accounts[account].name
        row = page.locator("table.counts tr", has_text=name).inner_text()
        assert "1 篇" in row and "已发布 1" in row
    page.goto(f"{base}/")
    for account in ACCOUNTS:
        assert "已累计发布 1 篇" in page.inner_text(f"[data-account={account}]")


def test_chosen_body_images_are_referred_to_and_previewed(page, site):
    _, base = site
    sign_in(page, base, "editor1")
    write_article(page, base)
    page.set_input_files(
        "#images", files=[{"name": "联盟成立.png", "mimeType": "image/png", "buffer": png()}]
    )
    assert "![](<联盟成立.png>)" in page.input_value("#body")
    page.wait_for_function(
        "document.querySelector('#wx-body img') !== null"
        " && document.querySelector('#wx-body img').src.startsWith('data:image/')"
    )
    assert page.inner_text("#problem-count") == "0"
    page.click("button[value=save]")
    page.wait_for_url(f"{base}/articles/A1")  # saved (draft.js takes ?saved= off the address)
    assert page.locator(".wx-body img").evaluate("img => img.naturalWidth") > 0


PASTED = (
    '<h2 style="color:#333">联盟章程</h2><p style="font-size:15px">三省一市'
    "<strong>共同签署</strong>章程。</p><p>區(qū)域协作</p>"
)


def test_rich_text_pasted_from_a_web_page_becomes_the_html_body(page, site):
    _, base = site
    sign_in(page, base, "editor1")
    write_article(page, base)
    page.evaluate(
        """html => {
            const data = new DataTransfer();
            data.setData('text/html', html);
            data.setData('text/plain', '联盟章程');
            const area = document.getElementById('paste');
            area.dispatchEvent(new ClipboardEvent('paste', {clipboardData: data, bubbles: true}));
        }""",
        PASTED,
    )
    assert page.is_checked("input[name=body_format][value=html]")
    assert page.input_value("#body") == PASTED
    page.wait_for_function("document.getElementById('wx-body').textContent.includes('共同签署')")
    assert page.locator("#wx-body h2").count() == 1
    page.wait_for_function(
        "document.getElementById('preview-warnings').textContent.includes('拼音')"
    )
    shot(page, "article-paste")
    page.click("#fix-strip_pinyin")  # the lint's one-click fix, then save
    assert "(qū)" not in page.input_value("#body") and "區域协作" in page.input_value("#body")
    page.click("button[value=save]")
    page.wait_for_url(f"{base}/articles/A1")
    assert "共同签署" in page.inner_text(".wx-body")


def test_text_typed_before_the_session_ran_out_is_offered_back_until_saved(page, site):
    _, base = site
    sign_in(page, base, "editor1")
    page.goto(f"{base}/articles/new")
    page.fill("#title", "会话过期前写的标题")
    page.fill("#author", "上海市生态环境局")
    page.fill("#body", "第一段。\n\n第二段，写了很久。")
    page.check("input[name=body_format][value=markdown]")
    page.context.clear_cookies()  # the session runs out while the editor is still writing
    page.click("button[value=save]")
    assert "/articles/A" not in page.url  # not saved: refused or sent to sign in
    sign_in(page, base, "editor1")
    page.goto(f"{base}/articles/new")
    assert page.is_visible("#draft-offer") and page.input_value("#title") == ""
    shot(page, "article-draft-offered")
    page.click("#draft-restore")
    assert page.input_value("#title") == "会话过期前写的标题"
    assert page.input_value("#author") == "上海市生态环境局"
    assert page.input_value("#body") == "第一段。\n\n第二段，写了很久。"
    assert not page.is_visible("#draft-offer")
    meta, _, cover = sample()  # files are not kept: the cover is chosen again
    page.set_input_files(
        "#cover", files=[{"name": meta["cover"], "mimeType": "image/jpeg", "buffer": cover}]
    )
    page.click("button[value=save]")
    page.wait_for_url(f"{base}/articles/A1")  # saved: the ?saved= mark is taken off the address
    page.goto(f"{base}/articles/new")
    assert not page.is_visible("#draft-offer")  # the saved draft is no longer offered


def test_a_draft_is_offered_only_to_the_person_who_wrote_it(page, site, redis, clock):
    _, base = site
    users.add(redis, "editor2", "editor", PASSWORD, clock())
    sign_in(page, base, "editor1")
    page.goto(f"{base}/articles/new")
    page.fill("#title", "编辑一的稿子")
    page.click("text=退出")
    sign_in(page, base, "editor2")  # the same browser, someone else
    page.goto(f"{base}/articles/new")
    assert not page.is_visible("#draft-offer")
