"""Bifrost container whose image is not `maximhq/bifrost`.

## What it does

Reports the `image` of a container whose image name is `bifrost` but whose Docker Hub
repository is not `maximhq/bifrost` (for example the deployment guide's
`bifrost/bifrost:v2.0.0`), in every workload kind. Images from other registries
(`registry.example.com/mirror/bifrost`, `ghcr.io/...`) are taken to be mirrors and left
alone.

## Why

Bifrost is published as `maximhq/bifrost`. Another Docker Hub repository either does not
exist (the pod never starts: `ErrImagePull`, then `ImagePullBackOff`) or is somebody
else's image running with your provider keys.

## Example

```yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: bifrost, namespace: ai-external}
spec:
  template:
    spec:
      containers:
      - name: bifrost
        image: bifrost/bifrost:v2.0.0
```

## Fix

`image: maximhq/bifrost:<release>` (a tag from hub.docker.com/r/maximhq/bifrost), or
your registry's mirror of it.

Autofix: no -- whether the same tag exists under `maximhq/bifrost` cannot be checked offline.
"""

from infergw_lint.domain import BIFROST_UPSTREAM as UPSTREAM
from infergw_lint.domain import DOCKER_HUB, WORKLOAD_POD_SPEC, pod_containers, split_image
from infergw_lint.rule import Rule, report

class ImageNotUpstream(Rule):
    code = "IGW213"
    name = "bifrost-image-not-upstream"
    severity = "error"
    kinds = tuple(WORKLOAD_POD_SPEC)
    tags = ("bifrost", "supply-chain")
    security_severity = "6.0"

    def check(self, doc, ctx):
        for path, c in pod_containers(doc):
            image = c.get("image")
            if not isinstance(image, str) or not image.strip():
                continue
            registry, repo, tag = split_image(image)
            if repo.rsplit("/", 1)[-1] != "bifrost" or registry not in DOCKER_HUB or repo == UPSTREAM:
                continue
            use = f"{UPSTREAM}{tag if tag.startswith(':') else ':<release>'}"
            yield report(
                path + ("image",),
                f"image {image.strip()!r} is not Bifrost's published image: Bifrost ships as {UPSTREAM} "
                f"(Docker Hub {repo} is not it, so the pull fails or runs someone else's image); use {use}",
                help=f"Use {use}",
            )


RULE = ImageNotUpstream()
