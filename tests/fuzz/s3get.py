#!/usr/bin/env python3
"""s3get.py METHOD URL [BODY]: one SigV4-signed S3 request (credentials and region from HS_S3_ACCESS_KEY_ID,
HS_S3_SECRET_ACCESS_KEY, HS_S3_REGION as tests/support/s3server.py exports them); prints the response body
whatever the status. For make-seeds.sh: curl --aws-sigv4 cannot send Swift's "account:user" access key."""
import datetime
import hashlib
import hmac
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


def sign(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def main(method, url, body=b""):
    key_id, secret = os.environ["HS_S3_ACCESS_KEY_ID"], os.environ["HS_S3_SECRET_ACCESS_KEY"]
    region = os.environ.get("HS_S3_REGION", "us-east-1")
    u = urllib.parse.urlsplit(url)
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload = hashlib.sha256(body).hexdigest()
    query = sorted(urllib.parse.parse_qsl(u.query, keep_blank_values=True))
    canon_query = "&".join("%s=%s" % (urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~"))
                           for k, v in query)
    headers = {"host": u.netloc, "x-amz-content-sha256": payload, "x-amz-date": amz_date}
    if method == "POST" and "delete" in dict(query):
        import base64
        headers["content-md5"] = base64.b64encode(hashlib.md5(body).digest()).decode()
    names = sorted(headers)
    canon = "\n".join([method, urllib.parse.quote(u.path or "/", safe="/-_.~"), canon_query,
                       "".join("%s:%s\n" % (n, headers[n]) for n in names), ";".join(names), payload])
    scope = "%s/%s/s3/aws4_request" % (day, region)
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canon.encode()).hexdigest()])
    k = sign(sign(sign(sign(("AWS4" + secret).encode(), day), region), "s3"), "aws4_request")
    headers["authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        key_id, scope, ";".join(names), hmac.new(k, to_sign.encode(), hashlib.sha256).hexdigest())
    req = urllib.request.Request(url, data=body if method in ("PUT", "POST") else None, method=method,
                                 headers={n: v for n, v in headers.items() if n != "host"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            data, etag = r.read(), r.headers.get("ETag", "")
    except urllib.error.HTTPError as e:
        data, etag = e.read(), ""
    if os.environ.get("S3GET_ETAG"):
        print(etag)
    else:
        sys.stdout.buffer.write(data)


if __name__ == "__main__":
    body = sys.argv[3].encode() if len(sys.argv) > 3 else b""
    main(sys.argv[1], sys.argv[2], body)
