"""FASHN's official Python SDK (`fashn` 0.9.0, PyPI), pointed at the gateway: what a
merchant's server code does. Reads GATEWAY (base URL), KEY (the gateway's server key),
MODEL_FILE and GARMENT_FILE (data URLs); prints one JSON line per step."""
import json
import os

import fashn
from fashn import Fashn

images = {
    "model_image": open(os.environ["MODEL_FILE"]).read(),
    "garment_image": open(os.environ["GARMENT_FILE"]).read(),
}
client = Fashn(api_key=os.environ["KEY"], base_url=os.environ["GATEWAY"])


def finished(step, result):
    print(json.dumps({"step": step, "id": result.id, "status": result.status,
                      "output": result.output, "error": result.error and result.error.model_dump(),
                      "credits_used": result.credits_used}))


finished("subscribe", client.predictions.subscribe(
    model_name="tryon-v1.6",
    inputs={**images, "category": "tops", "num_samples": 2},
    poll_interval=200,
    timeout=60_000,
))
# tryon-max, under its own input names.
finished("tryon-max", client.predictions.subscribe(
    model_name="tryon-max",
    inputs={"model_image": images["model_image"], "product_image": images["garment_image"],
            "generation_mode": "quality"},
    poll_interval=200,
    timeout=60_000,
))
try:
    client.predictions.status("no-such-job")
    print(json.dumps({"step": "unknown job", "raised": None}))
except fashn.NotFoundError as e:
    print(json.dumps({"step": "unknown job", "raised": type(e).__name__, "status": e.status_code,
                      "body": e.body}))
try:
    client.predictions.run(model_name="product-to-model", inputs={"product_image": images["garment_image"]})
    print(json.dumps({"step": "other model", "raised": None}))
except fashn.BadRequestError as e:
    print(json.dumps({"step": "other model", "raised": type(e).__name__, "status": e.status_code,
                      "body": e.body}))
# The merchant's daily budget (3 images in the test) is spent: the SDK's own retries
# (3 by default, on 503) must not send it again.
try:
    client.predictions.run(model_name="tryon-v1.6", inputs={**images, "seed": 7})
    print(json.dumps({"step": "budget spent", "raised": None}))
except fashn.InternalServerError as e:
    print(json.dumps({"step": "budget spent", "raised": type(e).__name__, "status": e.status_code,
                      "body": e.body, "should_retry": e.response.headers.get("x-should-retry")}))
