// The rendered contrast of one element's text (WCAG 2.1): its computed colour against the
// background actually behind it, found by walking up to the first opaque ancestor and laying
// every translucent background on the way over it. Returns [ratio, foreground, background].
(element) => {
  const parse = (value) => {
    const parts = value.match(/[\d.]+/g).map(Number);
    return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
  };
  const over = (top, bottom) => ({
    r: top.r * top.a + bottom.r * (1 - top.a),
    g: top.g * top.a + bottom.g * (1 - top.a),
    b: top.b * top.a + bottom.b * (1 - top.a),
    a: 1,
  });
  const layers = [];
  for (let node = element; node; node = node.parentElement) {
    const colour = parse(getComputedStyle(node).backgroundColor);
    if (colour.a > 0) layers.push(colour);
    if (colour.a >= 1) break;
  }
  // The canvas behind everything is white.
  let background = { r: 255, g: 255, b: 255, a: 1 };
  for (const layer of layers.reverse()) background = over(layer, background);
  const foreground = over(parse(getComputedStyle(element).color), background);
  const channel = (value) => {
    const srgb = value / 255;
    return srgb <= 0.04045 ? srgb / 12.92 : ((srgb + 0.055) / 1.055) ** 2.4;
  };
  const luminance = (c) => 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
  const [light, dark] = [luminance(foreground), luminance(background)].sort((x, y) => y - x);
  const hex = (c) => "#" + [c.r, c.g, c.b].map((v) => Math.round(v).toString(16).padStart(2, "0")).join("");
  return [(light + 0.05) / (dark + 0.05), hex(foreground), hex(background)];
}
