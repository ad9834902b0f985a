"""Rich text: each of the four formats renders to HTML that is safe to show."""

import pytest

from app.bank import richtext


def test_markdown_renders_emphasis_lists_and_tables():
    html = richtext.render("**居民**客户\n\n- 一\n- 二\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<strong>居民</strong>" in html
    assert "<li>一</li>" in html
    assert "<td>1</td>" in html


def test_markdown_does_not_pass_raw_html_through():
    html = richtext.render('x <img src="x" onerror="alert(1)"> <script>alert(1)</script>')
    assert "<img" not in html and "<script" not in html
    assert "&lt;img" in html  # shown as text, as the author typed it


def test_markdown_drops_javascript_links():
    html = richtext.render("[click](javascript:alert(1)) [ok](https://95598.cn)")
    assert 'href="javascript' not in html  # markdown-it refuses the link, leaving plain text
    assert 'href="https://95598.cn"' in html


def test_markdown_links_get_noopener():
    assert 'rel="noopener noreferrer"' in richtext.render("[ok](https://95598.cn)")


def test_html_keeps_allowed_tags_and_drops_scripts_and_handlers():
    html = richtext.render(
        '<p onclick="x()">A <b>bold</b> <script>alert(1)</script><iframe src="x"></iframe></p>',
        "html",
    )
    assert html == "<p>A <b>bold</b> </p>"


def test_html_drops_urls_outside_http_https_mailto():
    html = richtext.render(
        '<a href="javascript:alert(1)">j</a><a href="mailto:a@b.cn">m</a>'
        '<img src="data:image/png;base64,AAA" alt="d">',
        "html",
    )
    assert "javascript:" not in html and "data:" not in html
    assert 'href="mailto:a@b.cn"' in html


def test_html_drops_style_attributes():
    assert "style" not in richtext.render('<span style="position:fixed">x</span>', "html")


def test_plain_text_is_escaped_with_line_breaks_kept():
    html = richtext.render("a < b & c\n<b>not bold</b>", "plain")
    assert html == "a &lt; b &amp; c<br>\n&lt;b&gt;not bold&lt;/b&gt;"


def test_plain_text_keeps_double_spaces_visible():
    assert richtext.render("a  b", "plain") == "a&nbsp; b"


def test_moodle_auto_format_turns_newlines_into_breaks_and_keeps_html():
    html = richtext.render("第一行\n第二行 <b>粗</b>", "moodle")
    assert html == '<div class="text_to_html">第一行<br>\n第二行 <b>粗</b></div>'


def test_moodle_auto_format_is_sanitised():
    html = richtext.render('x\n<script>alert(1)</script><a href="javascript:x">y</a>', "moodle")
    assert "<script" not in html and "javascript:" not in html


def test_moodle_auto_format_adds_no_breaks_between_tags():
    html = richtext.render("<ul>\n<li>a</li>\n</ul>", "moodle")
    assert "<br>" not in html


def test_unknown_format_is_treated_as_plain_text():
    assert richtext.render("<b>x</b>", "rtf") == "&lt;b&gt;x&lt;/b&gt;"


def test_inline_markdown_has_no_paragraph():
    assert richtext.render_inline("3个*工作日*") == "3个<em>工作日</em>"


def test_inline_markdown_with_paragraphs_falls_back_to_blocks():
    assert richtext.render_inline("a\n\nb").count("<p>") == 2


@pytest.mark.parametrize("fmt", richtext.TEXT_FORMATS)
def test_every_format_sanitises_a_script(fmt):
    assert "<script" not in richtext.render("<script>alert(1)</script>x", fmt)
    assert "<script" not in richtext.render_inline("<script>alert(1)</script>x", fmt)


def test_to_plain_strips_markup_and_entities():
    assert richtext.to_plain("**A** &amp; <b>B</b>", "html") == "**A** & B"
    assert richtext.to_plain("**A** & B") == "A & B"


def test_sanitise_handles_empty_input():
    assert richtext.sanitise("") == ""
    assert richtext.render(None, "markdown") == ""
