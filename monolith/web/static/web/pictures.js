// Product pictures drawn in the page: an illustration per kind of product, chosen from the product's
// category and name, so a card never waits for (or misses) an image from the network.
"use strict";

(function () {
  const SVG_OPEN = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 160 120" preserveAspectRatio="xMidYMid slice" aria-hidden="true" focusable="false">';

  function backdrop(colour, dots) {
    return `<rect width="160" height="120" fill="${colour}"/>` +
      `<circle cx="132" cy="22" r="30" fill="${dots}" opacity=".55"/><circle cx="18" cy="104" r="22" fill="${dots}" opacity=".45"/>`;
  }

  // ------------------------------------------------------------- chocolates
  function truffle(x, y, fill) {
    return `<circle cx="${x}" cy="${y}" r="12" fill="#4a2a1b"/><circle cx="${x}" cy="${y}" r="9.5" fill="${fill}"/>` +
      `<ellipse cx="${x - 3}" cy="${y - 3.5}" rx="3.2" ry="2" fill="#fff" opacity=".28"/>`;
  }

  function heart(x, y, fill) {
    return `<path d="M${x} ${y + 8} l-9-9a5.4 5.4 0 0 1 9-6 5.4 5.4 0 0 1 9 6z" fill="${fill}"/>` +
      `<path d="M${x - 5} ${y - 3} a3 3 0 0 1 3-2" stroke="#fff" stroke-width="1.6" opacity=".4" fill="none"/>`;
  }

  function chocolateBox(style) {
    const fills = { truffles: ["#5b3320", "#7a4a2c", "#3b2014", "#6a3b24", "#8b5a36", "#4a2818"],
      dark: ["#2f1a10", "#3d2216", "#2a160d", "#442618", "#321c12", "#3a2014"],
      pralines: ["#7a4a2c", "#e9d3b0", "#3b2014", "#c98d4f", "#5b3320", "#f0e0c4"] }[style] ||
      ["#5b3320", "#7a4a2c", "#3b2014", "#6a3b24", "#8b5a36", "#4a2818"];
    const spots = [[52, 46], [80, 46], [108, 46], [52, 76], [80, 76], [108, 76]];
    const pieces = spots.map(([x, y], i) => (style === "hearts" ? heart(x, y, i % 2 ? "#7a3b2a" : "#a0522d")
      : truffle(x, y, fills[i]))).join("");
    const drizzle = style === "pralines"
      ? '<path d="M74 44q3-3 6 0t6 0M46 74q3-3 6 0t6 0M102 74q3-3 6 0t6 0" stroke="#f6e7c8" stroke-width="1.6" fill="none"/>' : "";
    return backdrop("#f7e9dd", "#efd5c2") +
      '<rect x="28" y="24" width="104" height="76" rx="9" fill="#7b2e2e"/>' +
      '<rect x="34" y="30" width="92" height="64" rx="6" fill="#b98b63"/>' + pieces + drizzle +
      '<path d="M112 24h20v20z" fill="#e0b04f"/><path d="M28 84v16h16z" fill="#e0b04f"/>';
  }

  // ------------------------------------------------------------- flowers
  function rose(x, y) {
    return `<circle cx="${x}" cy="${y}" r="10" fill="#c62839"/>` +
      `<path d="M${x - 5} ${y + 1}a5 5 0 1 1 6 4 3 3 0 1 1-3-4" stroke="#86101f" stroke-width="1.8" fill="none"/>`;
  }

  function tulip(x, y, i) {
    const fill = ["#ef5d8f", "#f08a3c", "#f5c23d", "#d9436c", "#f39ab8"][i % 5];
    return `<path d="M${x - 8} ${y - 5}q0 15 8 15t8-15l-4 4-4-8-4 8z" fill="${fill}"/>`;
  }

  function lily(x, y) {
    const petals = [0, 60, 120, 180, 240, 300].map((angle) =>
      `<ellipse cx="${x}" cy="${y - 7}" rx="3.8" ry="8" fill="#fdfcf7" stroke="#ddd6c2" stroke-width=".8" transform="rotate(${angle} ${x} ${y})"/>`).join("");
    return petals + `<circle cx="${x}" cy="${y}" r="2.6" fill="#e98b2a"/>`;
  }

  function sunflower(x, y) {
    const petals = [0, 30, 60, 90, 120, 150].map((angle) =>
      `<ellipse cx="${x}" cy="${y}" rx="3.4" ry="12" fill="#f6c12d" transform="rotate(${angle} ${x} ${y})"/>`).join("");
    return petals + `<circle cx="${x}" cy="${y}" r="6" fill="#6b4226"/>`;
  }

  function bouquet(kind) {
    const heads = [[60, 40], [80, 30], [100, 40], [69, 54], [91, 54]];
    const draw = { roses: rose, tulips: tulip, lilies: lily, sunflowers: sunflower }[kind] || tulip;
    const stems = heads.map(([x, y]) => `<path d="M80 96L${x} ${y}" stroke="#4f8a3c" stroke-width="2.6"/>`).join("");
    return backdrop("#fdecef", "#f8d6dd") + stems +
      '<ellipse cx="58" cy="68" rx="9" ry="4" fill="#5f9e47" transform="rotate(-35 58 68)"/>' +
      '<ellipse cx="102" cy="68" rx="9" ry="4" fill="#5f9e47" transform="rotate(35 102 68)"/>' +
      heads.map(([x, y], i) => draw(x, y, i)).join("") +
      '<path d="M54 66l26 46 26-46z" fill="#e6c49b"/><path d="M54 66l26 46-8-46z" fill="#d8b284"/>' +
      '<path d="M71 86h18l-3 6H74z" fill="#c62839"/>';
  }

  // ------------------------------------------------------------- wine
  function bottle(kind) {
    const glass = { red: "#4d1027", white: "#a9bb74", sparkling: "#1f3d2b" }[kind];
    const top = kind === "sparkling" ? "#d9b24c" : "#8e1b3a";
    const bubbles = kind === "sparkling"
      ? '<circle cx="112" cy="46" r="2.4" fill="#fff"/><circle cx="118" cy="36" r="1.8" fill="#fff"/><circle cx="109" cy="30" r="1.4" fill="#fff"/>' : "";
    const wine = { red: "#7d1533", white: "#efe3a2", sparkling: "#f3dc8b" }[kind];
    return backdrop("#efe6f3", "#e2d3ea") +
      `<rect x="62" y="12" width="14" height="30" rx="3" fill="${glass}"/><rect x="61" y="10" width="16" height="14" rx="2" fill="${top}"/>` +
      `<path d="M52 60q0-18 17-20q17 2 17 20v42q0 5-5 5H57q-5 0-5-5z" fill="${glass}"/>` +
      '<rect x="56" y="66" width="26" height="24" rx="2" fill="#f5ecdc"/><path d="M61 74h16M61 80h11" stroke="#8b7355" stroke-width="2"/>' +
      `<path d="M100 52h26q0 20-13 22q-13-2-13-22z" fill="#fff" opacity=".85"/><path d="M102 60h22q-2 12-11 13q-9-1-11-13z" fill="${wine}"/>` +
      '<path d="M113 74v22M104 98h18" stroke="#fff" stroke-width="3" stroke-linecap="round"/>' + bubbles;
  }

  // ------------------------------------------------------------- gifts
  function candles() {
    const candle = (x, h, fill) => `<rect x="${x}" y="${96 - h}" width="20" height="${h}" rx="3" fill="${fill}"/>` +
      `<path d="M${x + 10} ${96 - h}v-5" stroke="#3b2f2f" stroke-width="1.5"/>` +
      `<path d="M${x + 10} ${86 - h}q-5 7 0 10q5-3 0-10z" fill="#f5a524"/>`;
    return backdrop("#fdf3dc", "#f8e3b5") + '<ellipse cx="80" cy="98" rx="46" ry="7" fill="#c9a46a"/>' +
      candle(46, 40, "#f3e3c3") + candle(70, 56, "#e9c9b8") + candle(94, 32, "#d9e4c8");
  }

  function teddy() {
    return backdrop("#fdf3dc", "#f8e3b5") +
      '<ellipse cx="80" cy="84" rx="24" ry="22" fill="#b0753c"/><ellipse cx="80" cy="88" rx="13" ry="12" fill="#e1b789"/>' +
      '<circle cx="62" cy="30" r="9" fill="#b0753c"/><circle cx="98" cy="30" r="9" fill="#b0753c"/>' +
      '<circle cx="62" cy="30" r="4.5" fill="#e1b789"/><circle cx="98" cy="30" r="4.5" fill="#e1b789"/>' +
      '<circle cx="80" cy="46" r="20" fill="#c0834a"/><ellipse cx="80" cy="53" rx="9" ry="7" fill="#e9c49b"/>' +
      '<circle cx="72" cy="42" r="2.4" fill="#2b1d14"/><circle cx="88" cy="42" r="2.4" fill="#2b1d14"/>' +
      '<ellipse cx="80" cy="50" rx="3" ry="2.2" fill="#2b1d14"/><path d="M72 66l8 4 8-4v8l-8-4-8 4z" fill="#c62839"/>';
  }

  function basket() {
    return backdrop("#fdf3dc", "#f8e3b5") +
      '<path d="M44 60q36-52 72 0" stroke="#9a6a3a" stroke-width="5" fill="none"/>' +
      '<rect x="62" y="22" width="9" height="26" rx="2" fill="#5a1430"/><rect x="61" y="18" width="11" height="7" rx="1" fill="#d9b24c"/>' +
      '<ellipse cx="92" cy="52" rx="16" ry="9" fill="#e2a857"/><circle cx="52" cy="54" r="8" fill="#c8283c"/>' +
      '<path d="M36 58h88l-10 44H46z" fill="#c68b4a"/><path d="M40 72h80M43 86h74" stroke="#9a6a3a" stroke-width="3"/>';
  }

  function giftBox() {
    return backdrop("#fdf3dc", "#f8e3b5") +
      '<rect x="42" y="50" width="76" height="52" rx="4" fill="#e2574c"/><rect x="38" y="40" width="84" height="16" rx="3" fill="#ef6a5d"/>' +
      '<rect x="74" y="40" width="12" height="62" fill="#f6c945"/>' +
      '<path d="M80 40q-22-22-26-4q4 8 26 4zM80 40q22-22 26-4q-4 8-26 4z" fill="#f6c945"/>';
  }

  // ------------------------------------------------------------- tours
  function walkingTour() {
    return backdrop("#e2f0f6", "#cde5ef") +
      '<path d="M30 30l34-8 32 8 34-8v68l-34 8-32-8-34 8z" fill="#fbfaf5"/><path d="M64 22v68l32 8V30z" fill="#eae6d8"/>' +
      '<path d="M40 80q18-4 24-20t30-12 14 4" stroke="#d9480f" stroke-width="2.6" stroke-dasharray="5 4" fill="none"/>' +
      '<path d="M118 34q0-12-10-12t-10 12q0 8 10 20q10-12 10-20z" fill="#d9480f"/><circle cx="108" cy="33" r="4" fill="#fff"/>';
  }

  function cruise() {
    return backdrop("#e2f0f6", "#cde5ef") + '<circle cx="124" cy="28" r="12" fill="#f6c12d"/>' +
      '<rect x="60" y="52" width="40" height="18" rx="3" fill="#fff"/><rect x="68" y="42" width="22" height="12" rx="2" fill="#fff"/>' +
      '<circle cx="70" cy="61" r="3" fill="#5aa9d6"/><circle cx="80" cy="61" r="3" fill="#5aa9d6"/><circle cx="90" cy="61" r="3" fill="#5aa9d6"/>' +
      '<path d="M36 70h92l-14 18H50z" fill="#1f4e79"/>' +
      '<path d="M0 92q10-6 20 0t20 0 20 0 20 0 20 0 20 0 20 0 20 0v28H0z" fill="#5aa9d6"/>' +
      '<path d="M0 104q10-6 20 0t20 0 20 0 20 0 20 0 20 0 20 0 20 0v16H0z" fill="#3b8bc2"/>';
  }

  function museum() {
    const columns = [50, 66, 82, 98].map((x) => `<rect x="${x}" y="50" width="10" height="38" fill="#efe9dc"/>`).join("");
    return backdrop("#e2f0f6", "#cde5ef") + '<path d="M38 46h84L80 20z" fill="#e3dac6"/><rect x="40" y="44" width="80" height="7" fill="#d4c9b0"/>' +
      columns + '<rect x="40" y="88" width="80" height="6" fill="#d4c9b0"/><rect x="34" y="94" width="92" height="7" fill="#c6b99c"/>';
  }

  function foodTour() {
    return backdrop("#e2f0f6", "#cde5ef") + '<circle cx="80" cy="62" r="34" fill="#fff"/><circle cx="80" cy="62" r="25" fill="#f4f1ea"/>' +
      '<circle cx="72" cy="58" r="8" fill="#e2a857"/><circle cx="88" cy="66" r="7" fill="#c8283c"/><path d="M74 70q6 6 12-2" stroke="#5f9e47" stroke-width="4" fill="none"/>' +
      '<path d="M30 34v20M26 34v10q4 4 8 0V34M30 54v42" stroke="#8a94a3" stroke-width="3" stroke-linecap="round"/>' +
      '<path d="M130 34q-8 10 0 26v36" stroke="#8a94a3" stroke-width="4" stroke-linecap="round" fill="none"/>';
  }

  // ------------------------------------------------------------- hotels
  function bed(style) {
    const blanket = { city: "#1f4e79", boutique: "#8e3b5b" }[style] || "#1f4e79";
    const view = style === "boutique"
      ? '<rect x="118" y="22" width="22" height="30" rx="2" fill="#fff"/><path d="M121 46l6-9 5 6 3-4 3 7z" fill="#5f9e47"/>'
      : '<rect x="114" y="18" width="28" height="26" rx="2" fill="#27375a"/><circle cx="132" cy="28" r="5" fill="#f6e7a6"/><circle cx="121" cy="36" r="1.2" fill="#fff"/>';
    return backdrop("#e8ebf7", "#d5daf0") + view +
      '<rect x="24" y="46" width="8" height="56" rx="2" fill="#7a5234"/><rect x="28" y="52" width="104" height="10" rx="3" fill="#9a6a3a"/>' +
      '<rect x="32" y="62" width="104" height="26" rx="4" fill="#f4f1ea"/>' +
      '<rect x="36" y="54" width="28" height="14" rx="6" fill="#fff" stroke="#dcd6c8"/>' +
      `<path d="M66 62h70v26H66z" fill="${blanket}"/><path d="M66 62h70v6H66z" fill="#fff" opacity=".35"/>` +
      '<rect x="32" y="88" width="104" height="6" fill="#7a5234"/><rect x="130" y="88" width="6" height="14" fill="#7a5234"/>';
  }

  function bunkBed() {
    const bunk = (y) => `<rect x="36" y="${y}" width="88" height="12" rx="3" fill="#f4f1ea"/>` +
      `<rect x="40" y="${y - 6}" width="20" height="9" rx="4" fill="#fff" stroke="#dcd6c8"/><rect x="62" y="${y}" width="62" height="12" rx="2" fill="#3f7d5a"/>`;
    return backdrop("#e8ebf7", "#d5daf0") + '<rect x="30" y="20" width="6" height="84" fill="#7a5234"/><rect x="124" y="20" width="6" height="84" fill="#7a5234"/>' +
      bunk(40) + '<rect x="30" y="52" width="100" height="4" fill="#7a5234"/>' + bunk(80) + '<rect x="30" y="92" width="100" height="4" fill="#7a5234"/>' +
      '<path d="M112 56v36M122 56v36M112 66h10M112 78h10" stroke="#9a6a3a" stroke-width="2.4"/>';
  }

  // ------------------------------------------------------------- experiences
  function balloon() {
    return backdrop("#e6f2fb", "#d2e7f6") + '<ellipse cx="36" cy="86" rx="18" ry="7" fill="#fff"/><ellipse cx="128" cy="70" rx="16" ry="6" fill="#fff"/>' +
      '<path d="M80 14c-22 0-32 17-32 31 0 17 20 31 26 41h12c6-10 26-24 26-41 0-14-10-31-32-31z" fill="#e2574c"/>' +
      '<path d="M80 14c-9 0-13 17-13 31 0 17 7 31 9 41h8c2-10 9-24 9-41 0-14-4-31-13-31z" fill="#f6c945"/>' +
      '<path d="M74 86l2 12M86 86l-2 12" stroke="#7a5234" stroke-width="1.5"/><rect x="73" y="98" width="14" height="11" rx="2" fill="#9a6a3a"/>';
  }

  function spa() {
    return backdrop("#e6f4ea", "#cfe9d7") + '<path d="M96 40q22-20 34-10q-10 24-34 10z" fill="#5f9e47"/><path d="M96 40q14-8 30-8" stroke="#3f7a32" stroke-width="1.6" fill="none"/>' +
      '<ellipse cx="72" cy="96" rx="34" ry="9" fill="#7f8c8d"/><ellipse cx="72" cy="80" rx="26" ry="8" fill="#95a5a6"/>' +
      '<ellipse cx="72" cy="66" rx="18" ry="7" fill="#b2bec3"/><ellipse cx="72" cy="54" rx="11" ry="5" fill="#cfd8dc"/>';
  }

  function cooking() {
    return backdrop("#e6f4ea", "#cfe9d7") +
      '<path d="M62 40q-4-8 2-14M80 38q-4-8 2-14M98 40q-4-8 2-14" stroke="#9fb3a6" stroke-width="3" stroke-linecap="round" fill="none"/>' +
      '<rect x="44" y="48" width="72" height="8" rx="4" fill="#3a3a3a"/><path d="M48 56h64v34q0 10-10 10H58q-10 0-10-10z" fill="#c0392b"/>' +
      '<path d="M48 62H36M112 62h12" stroke="#3a3a3a" stroke-width="5" stroke-linecap="round"/>' +
      '<path d="M118 30l-16 30" stroke="#b07a45" stroke-width="4" stroke-linecap="round"/>';
  }

  function ticket() {
    return backdrop("#e6f4ea", "#cfe9d7") +
      '<path d="M34 36h92v14a10 10 0 0 0 0 20v14H34V70a10 10 0 0 0 0-20z" fill="#f6c945"/>' +
      '<path d="M80 44l5 10 11 1-8 7 3 11-11-6-11 6 3-11-8-7 11-1z" fill="#e2574c"/>';
  }

  // ------------------------------------------------------------- choosing
  // Per category: [pattern over the product's id and name, drawing]; the first match wins.
  const MOTIFS = {
    chocolates: [[/heart/, () => chocolateBox("hearts")], [/praline/, () => chocolateBox("pralines")],
      [/dark/, () => chocolateBox("dark")], [/./, () => chocolateBox("truffles")]],
    flowers: [[/rose/, () => bouquet("roses")], [/lil(y|ies)/, () => bouquet("lilies")],
      [/sunflower/, () => bouquet("sunflowers")], [/./, () => bouquet("tulips")]],
    wine: [[/champagne|prosecco|sparkling|cava|cremant|bubbly/, () => bottle("sparkling")],
      [/white|grigio|riesling|chardonnay|sauvignon|blanc/, () => bottle("white")], [/./, () => bottle("red")]],
    gifts: [[/candle/, candles], [/teddy|bear|plush/, teddy], [/basket|hamper/, basket], [/./, giftBox]],
    tours: [[/cruise|boat/, cruise], [/museum|gallery/, museum], [/food|tasting|market/, foodTour], [/./, walkingTour]],
    hotels: [[/hostel|bunk|dorm/, bunkBed], [/boutique/, () => bed("boutique")], [/./, () => bed("city")]],
    experiences: [[/balloon/, balloon], [/spa|massage|sauna/, spa], [/cook|chef/, cooking], [/./, ticket]],
  };
  const CATEGORY_WORDS = {
    chocolates: /chocolate|truffle|praline|cocoa/, flowers: /rose|tulip|lil(y|ies)|sunflower|flower|bouquet/,
    wine: /wine|champagne|prosecco|bordeaux|grigio/, gifts: /gift|candle|teddy|basket|hamper/,
    tours: /tour|cruise|museum/, hotels: /hotel|hostel|room/, experiences: /spa|balloon|class|experience/,
  };

  function categoryOf(product, text) {
    if (MOTIFS[product.category]) return product.category;
    return Object.keys(CATEGORY_WORDS).find((name) => CATEGORY_WORDS[name].test(text));
  }

  function drawingFor(product) {
    const text = `${product.productId || ""} ${product.name || ""}`.toLowerCase();
    const category = categoryOf(product, text);
    if (!category) return giftBox();
    const [, draw] = MOTIFS[category].find(([pattern]) => pattern.test(text));
    return draw();
  }

  /** The SVG markup picturing a product card's payload (productId, name, category). */
  function productPicture(product) {
    return SVG_OPEN + drawingFor(product) + "</svg>";
  }

  window.Concierge = Object.assign(window.Concierge || {}, { productPicture: productPicture });
})();
