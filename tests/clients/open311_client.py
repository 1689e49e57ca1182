"""A real third-party Open311 client (georeport, PyPI) reads the demo instance's Montauban
services, a service definition and the requests, in JSON and in XML; a submission is then posted
form-encoded exactly as the GeoReport v2 specification shows it (georeport has no POST), and
read back with the client.

python open311_client.py BASE_URL API_KEY
"""
import sys

import requests
from georeport import GeoReport

BASE, KEY = sys.argv[1].rstrip("/") + "/open311/v2/", sys.argv[2]

json_client = GeoReport(BASE, jurisdiction="montauban")
services = json_client.get_service_list()
codes = [s["service_code"] for s in services]
assert "VOIRIE-01" in codes, codes
definition = json_client.get_service_definition("VOIRIE-01")
assert definition["attributes"][0]["code"] == "TAILLE", definition
open_requests = json_client.get_service_requests(status="open", service_code="VOIRIE-01")
assert open_requests and all(r["status"] == "open" for r in open_requests), open_requests
one = json_client.get_service_request(open_requests[0]["service_request_id"])
assert one["service_request_id"] == open_requests[0]["service_request_id"], one

xml_client = GeoReport(BASE, jurisdiction="montauban", output_format="xml")
# The client unwraps the XML root and its list element: the same records as in JSON, as text.
xml_services = xml_client.get_service_list()
assert [s["service_code"] for s in xml_services] == codes, xml_services
assert xml_services[codes.index("VOIRIE-01")]["metadata"] == "true", xml_services
xml_requests = xml_client.get_service_requests(service_code="PROPRETE-01")
assert xml_requests and all(r["service_code"] == "PROPRETE-01" for r in xml_requests), xml_requests

posted = requests.post(
    BASE + "requests.json",
    data={
        "jurisdiction_id": "montauban",
        "api_key": KEY,
        "service_code": "VOIRIE-01",
        "lat": "44.0175",
        "long": "1.3521",
        "address_string": "Place Nationale, Montauban",
        "description": "Nid-de-poule sous les arcades",
        "email": "client.open311@exemple.fr",
        "attribute[TAILLE]": "moyen",
    },
    headers={"Idempotency-Key": "open311-client-check"},
    timeout=10,
)
assert posted.status_code == 201, (posted.status_code, posted.text)
new_id = posted.json()[0]["service_request_id"]
back = json_client.get_service_request(new_id)
assert back["description"] == "Nid-de-poule sous les arcades" and back["status"] == "open", back
assert "client.open311@exemple.fr" not in str(back), back

bad = requests.post(BASE + "requests.xml", data={"jurisdiction_id": "montauban", "api_key": "faux",
                                                  "service_code": "VOIRIE-01", "lat": "44", "long": "1.3"}, timeout=10)
assert bad.status_code == 403 and "<errors><error><code>403</code>" in bad.text, bad.text
print(f"georeport read {len(services)} services, {len(open_requests)} open requests (JSON and XML); "
      f"request {new_id} posted and read back")
