"""FASHN's official Python SDK (`fashn` 0.9.0, PyPI) making one try-on with its
`subscribe()` and its default retries, then asking for `tryon-max`. Reads GATEWAY, KEY,
MODEL_FILE, GARMENT_FILE and MODE (the try-on's mode); prints one JSON line per step."""
import json
import os

import fashn
from fashn import Fashn

model = open(os.environ["MODEL_FILE"]).read()
garment = open(os.environ["GARMENT_FILE"]).read()
client = Fashn(api_key=os.environ["KEY"], base_url=os.environ["GATEWAY"])
result = client.predictions.subscribe(
    model_name="tryon-v1.6",
    inputs={"model_image": model, "garment_image": garment, "category": "tops",
            "mode": os.environ.get("MODE", "balanced")},
    poll_interval=100,
    timeout=60_000,
)
print(json.dumps({"step": "subscribe", "id": result.id, "status": result.status,
                  "output": result.output, "error": result.error and result.error.model_dump(),
                  "credits_used": result.credits_used}))
try:
    run = client.predictions.run(model_name="tryon-max",
                                 inputs={"model_image": model, "product_image": garment})
    print(json.dumps({"step": "tryon-max", "raised": None, "id": run.id}))
except fashn.BadRequestError as e:
    print(json.dumps({"step": "tryon-max", "raised": type(e).__name__, "body": e.body}))
