"""TryItOn's official Python SDK (`tryiton` 2.0.0, PyPI), pointed at the gateway (its
base URL ends in /api/v1). Reads GATEWAY, KEY, MODEL_FILE and GARMENT_FILE; prints one
JSON line per step."""
import json
import os

from tryiton import TryItOn, TryItOnError

client = TryItOn(os.environ["KEY"], base_url=os.environ["GATEWAY"] + "/api/v1")
model = open(os.environ["MODEL_FILE"]).read()
garment = open(os.environ["GARMENT_FILE"]).read()
job_id = client.try_on_fashion(model_image=model, garment_image=garment,
                               category="clothing", subcategory="tops")
output = client.wait_for_result(job_id, poll_interval=0.2, timeout=60)
print(json.dumps({"step": "fashion", "job_id": job_id, "output": output}))
# The path TryItOn's earlier SDKs posted to (the gateway's contract path), through
# this SDK's own request method.
earlier = client._request("POST", "/tryon/clothes", {
    "model_image": model, "garment_image": garment, "category": "clothing",
    "subcategory": "dresses"})
print(json.dumps({"step": "clothes", "ok": earlier.get("ok"),
                  "output": client.wait_for_result(earlier["jobId"], poll_interval=0.2, timeout=60)}))
try:
    client.try_on_fashion(model_image=model, garment_image=garment, category="eyewear")
    print(json.dumps({"step": "eyewear", "raised": None}))
except TryItOnError as e:
    print(json.dumps({"step": "eyewear", "raised": type(e).__name__, "status": e.status,
                      "name": e.error_name, "message": str(e)}))
credits = client.get_credits()
print(json.dumps({"step": "credits", "on_demand": credits.on_demand,
                  "subscription": credits.subscription}))
