# SPDX-License-Identifier: BSD-2-Clause
# An OCI image layout for the manager's tests (cell bootstrap --oci):
# write(lay, layers, tamper) makes lay/oci-layout, its blobs, a config,
# a manifest and index.json; layers is a list of (bytes, mediaType).
# tamper flips a bit of the last layer after its digest was taken.
import hashlib, json, os

LAYER = "application/vnd.oci.image.layer.v1.tar"

def blob(lay, data):
    h = hashlib.sha256(data).hexdigest()
    os.makedirs(f"{lay}/blobs/sha256", exist_ok=True)
    with open(f"{lay}/blobs/sha256/{h}", "wb") as f:
        f.write(data)
    return h

def write(lay, layers, tamper=False):
    os.makedirs(lay, exist_ok=True)
    with open(f"{lay}/oci-layout", "w") as f:
        f.write('{"imageLayoutVersion": "1.0.0"}')
    descs = [{"mediaType": mt, "digest": "sha256:" + blob(lay, data),
              "size": len(data)} for data, mt in layers]
    if tamper:
        p = f"{lay}/blobs/sha256/{descs[-1]['digest'][7:]}"
        d = bytearray(open(p, "rb").read())
        d[-1] ^= 1
        with open(p, "wb") as f:
            f.write(d)
    cfg = blob(lay, json.dumps({"architecture": "amd64", "os": "linux",
        "rootfs": {"type": "layers", "diff_ids": []}}).encode())
    man = json.dumps({"schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": "sha256:" + cfg, "size": 10},
        "layers": descs}).encode()
    mh = blob(lay, man)
    with open(f"{lay}/index.json", "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [
            {"mediaType": "application/vnd.oci.image.manifest.v1+json",
             "digest": "sha256:" + mh, "size": len(man),
             "platform": {"architecture": "amd64", "os": "linux"}}]}, f)
