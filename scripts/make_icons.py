"""Draw the web app's icons (static/img/icons/*.png) from the registry's brand: Bootstrap Italia's blue, a white
roof over the BE.CO-OP name in Titillium Web (the design system's typeface, from the npm package).

usage: .venv/bin/python scripts/make_icons.py   (the PNGs are committed; run again only to change them)
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "static" / "img" / "icons"
FONT = ROOT / "node_modules" / "bootstrap-italia" / "dist" / "fonts" / "Titillium_Web" / "titillium-web-v10-latin-ext_latin-700.ttf"
BLUE = "#0066cc"  # --bs-primary of Bootstrap Italia, the header's colour
WHITE = "#ffffff"
SCALE = 4  # drawn large and scaled down: Pillow's shapes have no anti-aliasing


def emblem(size, *, content):
    """A square icon; `content` is the share of the side the drawing may use (maskable icons keep it inside
    the 80 % circle that every launcher mask leaves visible)."""
    side = size * SCALE
    image = Image.new("RGB", (side, side), BLUE)
    draw = ImageDraw.Draw(image)
    box = side * content
    left, top = (side - box) / 2, (side - box) / 2
    # The roof: a dormant building brought back to life (the registry's subject), a chevron over the name.
    stroke = box * 0.085
    peak = (side / 2, top + box * 0.08)
    draw.line([(left + box * 0.12, top + box * 0.46), peak, (left + box * 0.88, top + box * 0.46)], fill=WHITE,
              width=round(stroke), joint="curve")
    font = ImageFont.truetype(str(FONT), round(box * 0.235))
    draw.text((side / 2, top + box * 0.72), "BE.CO-OP", font=font, fill=WHITE, anchor="mm")
    return image.resize((size, size), Image.LANCZOS)


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        emblem(size, content=0.9).save(OUT / f"icon-{size}.png", optimize=True)
        emblem(size, content=0.66).save(OUT / f"maskable-{size}.png", optimize=True)
    emblem(180, content=0.8).save(OUT / "apple-touch-icon.png", optimize=True)  # iOS ignores the manifest's icons
    print(f"icons written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
