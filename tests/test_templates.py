"""Template hygiene a user would see: Django's {# #} comment is one line only; one spread over two
lines is printed on the page as it is (the Migrate wizard showed its own comment)."""

from pathlib import Path

from django.conf import settings


def test_no_template_comment_spans_lines():
    roots = [Path(d) for t in settings.TEMPLATES for d in t["DIRS"]]
    roots += [p for p in Path(settings.BASE_DIR).glob("*/templates")]
    broken = []
    for root in roots:
        for path in root.rglob("*.html"):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                rest = line
                while "{#" in rest:
                    rest = rest.split("{#", 1)[1]
                    if "#}" not in rest:
                        broken.append(f"{path.relative_to(settings.BASE_DIR)}:{number}")
                        break
                    rest = rest.split("#}", 1)[1]
    assert not broken, f"a {{# #}} comment spans lines (use {{% comment %}}): {broken}"
