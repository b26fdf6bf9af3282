"""Draws the integration's brand icon: a message bubble carrying a house, on Gotify-like blue.

Run with any Python that has Pillow (Home Assistant's test environments do):
    .venv/py3.14/bin/python scripts/draw_brand.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

BRAND = Path(__file__).resolve().parent.parent / "custom_components" / "gotify" / "brand"
BLUE = (33, 118, 210, 255)
WHITE = (255, 255, 255, 255)


def draw(size: int) -> Image.Image:
    """Draw the icon, ``size`` pixels square."""
    scale = 4  # draw large, then shrink: smooth edges without antialiasing primitives
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    unit = big / 256

    def box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        return (x0 * unit, y0 * unit, x1 * unit, y1 * unit)

    pen.rounded_rectangle(box(8, 8, 248, 248), radius=56 * unit, fill=BLUE)
    # The message bubble with its tail.
    pen.rounded_rectangle(box(44, 52, 212, 176), radius=30 * unit, fill=WHITE)
    pen.polygon([(84 * unit, 170 * unit), (72 * unit, 212 * unit), (124 * unit, 172 * unit)], fill=WHITE)
    # A house inside it: roof and body, in blue.
    pen.polygon([(128 * unit, 70 * unit), (84 * unit, 110 * unit), (172 * unit, 110 * unit)], fill=BLUE)
    pen.rectangle(box(96, 106, 160, 156), fill=BLUE)
    pen.rectangle(box(120, 126, 136, 156), fill=WHITE)  # the door
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    """Write icon.png (256 px) and icon@2x.png (512 px) into the integration's brand folder."""
    BRAND.mkdir(parents=True, exist_ok=True)
    draw(256).save(BRAND / "icon.png", optimize=True)
    draw(512).save(BRAND / "icon@2x.png", optimize=True)


if __name__ == "__main__":
    main()
