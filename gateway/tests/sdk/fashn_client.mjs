// FASHN's official TypeScript SDK (`fashn` 0.11.1, npm), pointed at the gateway. Reads
// GATEWAY, KEY, MODEL_FILE and GARMENT_FILE; prints one JSON line.
import { readFileSync } from 'node:fs';
import Fashn from 'fashn';

const client = new Fashn({ apiKey: process.env.KEY, baseURL: process.env.GATEWAY, maxRetries: 0 });
const result = await client.predictions.subscribe({
  model_name: 'tryon-v1.6',
  inputs: {
    model_image: readFileSync(process.env.MODEL_FILE, 'utf8'),
    garment_image: readFileSync(process.env.GARMENT_FILE, 'utf8'),
  },
  pollInterval: 200,
  timeout: 60000,
});
console.log(JSON.stringify({ step: 'subscribe', id: result.id, status: result.status, output: result.output, error: result.error }));
try {
  await client.predictions.run({ model_name: 'product-to-model', inputs: { product_image: 'https://example.com/g.png' } });
  console.log(JSON.stringify({ step: 'other model', raised: null }));
} catch (e) {
  console.log(JSON.stringify({ step: 'other model', raised: e.constructor.name, status: e.status, body: e.error }));
}
