// The test shop's product pages, from one template. What differs between them is
// the product, how the widget is embedded (placeholder or custom element), and
// what the <head> adds (the hostile stylesheet, data-load="intent"). No inline
// script or style: the same pages are served under a strict CSP (/strict/).

const PRODUCTS = {
  tee: ['Solidus T-shirt', 'solidus_tshirt.png'],
  'dark-tee': ['Solidus dark tee', 'solidus_dark_tee.png'],
  'long-sleeve': ['Solidus long-sleeve tee', 'solidus_long_sleeve_tee.png'],
  hoodie: ['Solidus hoodie', 'solidus_hoodie_black_1.png'],
};

/** The hoodie's colours, as a merchant writes them in `data-variants`. */
export const HOODIE_COLOURS = [
  { name: 'Black', garmentImage: '/fixtures/garments/solidus_hoodie_black_1.png' },
  { name: 'Red', garmentImage: '/fixtures/garments/solidus_hoodie_red_1.png' },
];

function productPage(product, { element = false, load = '', css = '', attributes = '' } = {}) {
  const [name, file] = PRODUCTS[product];
  const garment = `/fixtures/garments/${file}`;
  const sample = '/fixtures/people/model.webp';
  const widget = element
    ? `<tryon-widget garment-image="${garment}" product-name="the ${name}" sample-photo="${sample}"></tryon-widget>`
    : `<div data-tryon data-garment-image="${garment}" data-product-name="the ${name}" data-sample-photo="${sample}"${attributes}></div>`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${name}</title>
    <link rel="stylesheet" href="/pages/shop.css" />${css ? `\n    <link rel="stylesheet" href="${css}" />` : ''}
    <script src="/pages/problems.js"></script>
    <script async src="/tryon/tryon.js"${load ? ` data-load="${load}"` : ''}></script>
  </head>
  <body>
    <main class="product">
      <img id="product-image" src="${garment}" alt="${name}" width="1360" height="1190" />
      <section>
        <h1>${name}</h1>
        <p>€24.00</p>
        ${widget}
      </section>
    </main>
  </body>
</html>
`;
}

/** The generated pages by file name (the others are files in e2e/pages/). */
export const PRODUCT_PAGES = {
  'tee.html': productPage('tee'),
  'dark-tee.html': productPage('dark-tee'),
  'intent.html': productPage('tee', { load: 'intent' }),
  'hostile.html': productPage('tee', { css: '/pages/hostile.css' }),
  'element.html': productPage('long-sleeve', { element: true }),
  'element-dark.html': productPage('dark-tee', { element: true }),
  'hoodie.html': productPage('hoodie', {
    attributes: ` data-add-to-cart="true" data-variants='${JSON.stringify(HOODIE_COLOURS)}'`,
  }),
};
