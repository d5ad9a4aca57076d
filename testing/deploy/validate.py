"""Checks the rendered Kubernetes overlays and compose.yaml, offline.

Run by validate.sh (which renders the overlays with kustomize and provides
the virtualenv), not on its own:
    validate.py ROOT OVERLAY=RENDERED.yaml...

1. Schemas: every Kubernetes object against the Kubernetes JSON schemas of
   kubernetes-validate (strict: unknown fields are errors), for the oldest
   and newest Kubernetes it ships; KEDA objects against the openAPIV3Schema
   of KEDA's CRDs (schemas/, made strict the same way); compose.yaml, after
   interpolating variables as `docker compose config` does, against the
   compose-spec schema.
2. The properties the deployment promises (docs/operations.md), so that they
   cannot regress: see the check_* functions.
Prints one line per finding and exits 1 if there is any.
"""

import copy
import json
import os
import re
import sys

import jsonschema
import kubernetes_validate
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
SCHEMAS = os.path.join(HERE, "schemas")
# The oldest and the newest Kubernetes whose schemas kubernetes-validate ships.
K8S_VERSIONS = ("1.25", "1.37")
ROLES = ("thumbnail", "metadata", "convert", "notify")
PLACEHOLDER_IMAGE = "kiln"
# Namespaced kinds (everything the overlays hold but the Namespace itself).
CLUSTER_KINDS = {"Namespace"}

findings = []


def fail(where, message):
    findings.append(f"{where}: {message}")


# --- schemas -----------------------------------------------------------------


def strict_openapi(schema):
    """An OpenAPI v3 schema of a CRD as a JSON schema that rejects unknown
    fields (the API server's strict field validation does), with
    x-kubernetes-int-or-string spelled out."""
    if isinstance(schema, list):
        return [strict_openapi(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict_openapi(v) for k, v in schema.items()}
    if out.get("x-kubernetes-int-or-string") and "type" not in out:
        out.setdefault("anyOf", [{"type": "integer"}, {"type": "string"}])
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def crd_schemas():
    """{(apiVersion, kind): validator} from the vendored KEDA CRDs."""
    validators = {}
    for name in sorted(os.listdir(SCHEMAS)):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(SCHEMAS, name)) as f:
            crd = yaml.safe_load(f)
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            if not version.get("served"):
                continue
            schema = strict_openapi(version["schema"]["openAPIV3Schema"])
            validators[(f"{group}/{version['name']}", kind)] = jsonschema.Draft202012Validator(schema)
    return validators


def describe(error):
    """Where and what, from the most relevant of an anyOf's errors."""
    error = jsonschema.exceptions.best_match([error])
    return f"{'/'.join(str(p) for p in error.absolute_path)}: {error.message}"


def check_schemas(where, docs, crds):
    for doc in docs:
        name = f"{where} {doc.get('kind')}/{doc.get('metadata', {}).get('name')}"
        key = (doc.get("apiVersion"), doc.get("kind"))
        if key in crds:
            for error in crds[key].iter_errors(doc):
                fail(name, f"KEDA schema: {describe(error)}")
            continue
        for version in K8S_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                path = "/".join(str(p) for p in error.path)
                fail(name, f"Kubernetes {version} schema: {path}: {error.message}")
            except kubernetes_validate.SchemaNotFoundError as error:
                fail(name, error.message)


# --- the overlays' promises ----------------------------------------------------


def by_kind(docs, kind):
    return [d for d in docs if d["kind"] == kind]


def containers(deployment):
    spec = deployment["spec"]["template"]["spec"]
    return spec.get("initContainers", []) + spec["containers"]


def env_of(container):
    return {e["name"]: e for e in container.get("env", [])}


def check_security(where, deployment):
    pod = deployment["spec"]["template"]["spec"]
    pod_sc = pod.get("securityContext", {})
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for c in containers(deployment):
        at = f"{where} {deployment['metadata']['name']}/{c['name']}"
        sc = c.get("securityContext", {})
        if not sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")):
            fail(at, "runAsNonRoot is not true")
        if sc.get("runAsUser", pod_sc.get("runAsUser")) == 0:
            fail(at, "runs as uid 0")
        if sc.get("readOnlyRootFilesystem") is not True:
            fail(at, "readOnlyRootFilesystem is not true")
        if sc.get("allowPrivilegeEscalation") is not False:
            fail(at, "allowPrivilegeEscalation is not false")
        if "ALL" not in sc.get("capabilities", {}).get("drop", []):
            fail(at, "capabilities do not drop ALL")
        if sc.get("capabilities", {}).get("add"):
            fail(at, "adds capabilities")
        tmp = [m for m in c.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
        if not tmp or "emptyDir" not in volumes.get(tmp[0]["name"], {}):
            fail(at, "/tmp is not an emptyDir (the root filesystem is read-only)")
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            if probe not in c:
                fail(at, f"no {probe}")
        res = c.get("resources", {})
        for r in ("cpu", "memory"):
            if r not in res.get("requests", {}):
                fail(at, f"no {r} request")
        if "memory" not in res.get("limits", {}):
            fail(at, "no memory limit")
        elif "memory" in res.get("requests", {}) and quantity(res["limits"]["memory"]) < quantity(
            res["requests"]["memory"]
        ):
            fail(at, "memory limit below its request")


def quantity(q):
    """A Kubernetes quantity as a number (bytes or cores)."""
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9}
    m = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(q))
    return float(m.group(1)) * units.get(m.group(2), 1)


def check_images(where, deployments):
    images = set()
    for d in deployments:
        for c in containers(d):
            image = c["image"]
            images.add(image)
            name = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
            if name == PLACEHOLDER_IMAGE or "/" not in name:
                fail(f"{where} {d['metadata']['name']}", f"image {image!r}: the overlay's images: did not rewrite it")
            if ":" not in image.rsplit("/", 1)[-1] and "@" not in image:
                fail(f"{where} {d['metadata']['name']}", f"image {image!r} has no tag")
    if len(images) > 1:
        fail(where, f"more than one image: {sorted(images)} (set it once, in images:)")


def role_of(deployment):
    args = deployment["spec"]["template"]["spec"]["containers"][0].get("args", [])
    if args[:1] == ["worker"] and "--role" in args:
        return args[args.index("--role") + 1]
    return None


def check_scaling(where, docs, config):
    deployments = {d["metadata"]["name"]: d for d in by_kind(docs, "Deployment")}
    scaled = by_kind(docs, "ScaledObject")
    auths = {d["metadata"]["name"]: d for d in by_kind(docs, "TriggerAuthentication")}
    ns = config.get("KILN_NAMESPACE", "kiln")
    broker = config.get("KILN_BROKER")
    if broker not in ("rabbitmq", "kafka"):
        fail(where, f"KILN_BROKER is {broker!r}, not rabbitmq or kafka")
    workers = {role_of(d): name for name, d in deployments.items() if role_of(d)}
    if sorted(workers) != sorted(ROLES):
        fail(where, f"worker roles {sorted(workers)}, expected {sorted(ROLES)}")
    targets = {}
    for so in scaled:
        at = f"{where} ScaledObject/{so['metadata']['name']}"
        target = so["spec"]["scaleTargetRef"]["name"]
        targets.setdefault(target, []).append(so)
        if target not in deployments:
            fail(at, f"scales {target}, which is no Deployment here")
            continue
        role = role_of(deployments[target])
        lo, hi = so["spec"].get("minReplicaCount", 0), so["spec"].get("maxReplicaCount", 100)
        if not 1 <= lo <= hi:
            fail(at, f"replicas {lo}..{hi}: need 1 <= min <= max")
        if "replicas" in deployments[target]["spec"]:
            fail(at, f"{target} sets replicas, which every apply would reset under KEDA")
        # Both lanes' queues (topics) scale the role, and nothing else.
        lanes = set()
        for t in so["spec"]["triggers"]:
            meta = t.get("metadata", {})
            auth = auths.get(t.get("authenticationRef", {}).get("name"))
            if auth is None:
                fail(at, f"authenticationRef {t.get('authenticationRef')} names no TriggerAuthentication here")
            else:
                for ref in auth["spec"].get("secretTargetRef", []):
                    if ref["parameter"] not in AUTH_PARAMS.get(t["type"], set()):
                        fail(at, f"KEDA's {t['type']} scaler takes no {ref['parameter']!r} from a TriggerAuthentication")
            if t["type"] != broker:
                fail(at, f"a {t['type']} trigger on KILN_BROKER={broker}")
            if t["type"] == "rabbitmq":
                lanes.add(meta.get("queueName"))
            if t["type"] == "kafka":
                if meta.get("consumerGroup") != f"{ns}.{role}":
                    fail(at, f"consumerGroup {meta.get('consumerGroup')!r}, Kiln's is {ns}.{role}")
                lanes.add(meta.get("topic"))
                partitions = int(config.get("KILN_KAFKA__PARTITIONS", 6))
                if hi > partitions:
                    fail(at, f"maxReplicaCount {hi} > KILN_KAFKA__PARTITIONS {partitions}: extra replicas idle")
                var = meta.get("bootstrapServersFromEnv")
                if "bootstrapServers" not in meta and var not in env_of(deployments[target]["spec"]["template"]["spec"]["containers"][0]):
                    fail(at, f"bootstrapServersFromEnv {var!r} is not in the container's env")
                check_kafka_security(at, meta, config)
        work = f"{ns}.{role}" if broker == "rabbitmq" else f"{ns}.jobs.{role}"
        want = {work, f"{work}.bulk"}
        if lanes != want:
            what = "queueName" if broker == "rabbitmq" else "topic"
            fail(at, f"triggers on {what} {sorted(map(str, lanes))}, Kiln's lanes are {sorted(want)}")
    for role, name in workers.items():
        if len(targets.get(name, [])) != 1:
            fail(where, f"worker {name} ({role}) has {len(targets.get(name, []))} ScaledObjects, needs one")


# Parameters a TriggerAuthentication may give each scaler (KEDA v2.20's
# kafka_scaler.go and rabbitmq_scaler.go: the fields read from authParams).
# Anything else is ignored by KEDA: Kafka's bootstrap servers, say, must be
# in the trigger's metadata.
AUTH_PARAMS = {
    "kafka": {"tls", "ca", "cert", "key", "keyPassword", "sasl", "username", "password",
              "saslTokenProvider", "scopes", "oauthTokenEndpointUri", "oauthExtensions",
              "keytab", "realm", "kerberosConfig", "kerberosServiceName", "kerberosDisableFAST",
              "awsRegion", "awsAccessKeyID", "awsSecretAccessKey", "awsSessionToken", "awsRoleArn"},
    "rabbitmq": {"host", "protocol", "vhostName", "username", "password", "ca", "cert", "key",
                 "keyPassword", "tls", "workloadIdentityResource"},
}


def check_kafka_security(at, meta, config):
    """KEDA must speak to Kafka as Kiln does."""
    protocol = config.get("KILN_KAFKA__PROPERTIES__SECURITY_PROTOCOL", "PLAINTEXT").upper()
    tls = "enable" if protocol in ("SSL", "SASL_SSL") else "disable"
    if meta.get("tls", "disable") != tls:
        fail(at, f"tls {meta.get('tls')!r} but Kiln's security.protocol is {protocol}")
    mechanisms = {"PLAIN": "plaintext", "SCRAM-SHA-256": "scram_sha256", "SCRAM-SHA-512": "scram_sha512"}
    sasl = mechanisms.get(config.get("KILN_KAFKA__PROPERTIES__SASL_MECHANISMS", "").upper(), "none")
    if not protocol.startswith("SASL"):
        sasl = "none"
    if meta.get("sasl", "none") != sasl:
        fail(at, f"sasl {meta.get('sasl')!r} but Kiln uses {sasl} ({protocol})")


def check_disruption(where, docs):
    pdbs = by_kind(docs, "PodDisruptionBudget")
    for d in by_kind(docs, "Deployment"):
        labels = d["spec"]["template"]["metadata"]["labels"]
        mine = [
            p for p in pdbs if p["spec"]["selector"]["matchLabels"].items() <= labels.items()
        ]
        if len(mine) != 1:
            fail(f"{where} {d['metadata']['name']}", f"{len(mine)} PodDisruptionBudgets, needs one")
            continue
        spec = mine[0]["spec"]
        replicas = d["spec"].get("replicas", 1)
        if "minAvailable" in spec and int(spec["minAvailable"]) >= replicas:
            fail(f"{where} {d['metadata']['name']}", f"minAvailable {spec['minAvailable']} with {replicas} replicas blocks every drain")
        if "maxUnavailable" in spec and int(spec["maxUnavailable"]) < 1:
            fail(f"{where} {d['metadata']['name']}", "maxUnavailable 0 blocks every drain")


def check_memory_bounds(where, docs, config):
    """Thumbnail and metadata jobs read their image whole (up to
    limits.max_input_bytes, 200 MiB by default); thumbnailers also hold up
    to workers.decode_memory_bytes (1 GiB by default) of decoded pixels.
    Their memory limits must hold that worst case, plus 128 MiB for the
    process (about 30 MiB idle, measured) and its outputs
    (docs/operations.md, "Resources"), or a large upload gets the pod
    OOM-killed."""
    max_input = int(config.get("KILN_LIMITS__MAX_INPUT_BYTES", 200 * 2**20))
    decode = int(config.get("KILN_WORKERS__DECODE_MEMORY_BYTES", 2**30))
    for d in by_kind(docs, "Deployment"):
        role = role_of(d)
        if role not in ("thumbnail", "metadata"):
            continue
        c = d["spec"]["template"]["spec"]["containers"][0]
        args = c["args"]
        concurrency = int(args[args.index("--concurrency") + 1]) if "--concurrency" in args else None
        if concurrency is None:
            fail(f"{where} {d['metadata']['name']}", "no --concurrency: its memory bound depends on the node's CPUs")
            continue
        worst = concurrency * max_input + (decode if role == "thumbnail" else 0) + 128 * 2**20
        limit = quantity(c.get("resources", {}).get("limits", {}).get("memory", "0"))
        if limit < worst:
            fail(f"{where} {d['metadata']['name']}", f"memory limit {limit / 2**20:.0f} MiB < worst case {worst / 2**20:.0f} MiB ({concurrency} inputs of {max_input / 2**20:.0f} MiB" + (f" + {decode / 2**20:.0f} MiB decode budget" if role == "thumbnail" else "") + " + 128 MiB)")


def check_grace(where, docs, config):
    grace = int(config.get("KILN_SHUTDOWN_GRACE_SECS", 30))
    for d in by_kind(docs, "Deployment"):
        pod = d["spec"]["template"]["spec"]
        period = pod.get("terminationGracePeriodSeconds", 30)
        c = pod["containers"][0]
        pause = 0
        command = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
        if command[:1] == ["sleep"]:
            pause = int(command[1])
        # The period runs from the start of preStop; Kiln exits within its
        # grace plus a second (docs/operations.md).
        if period < pause + grace + 1:
            fail(f"{where} {d['metadata']['name']}", f"terminationGracePeriodSeconds {period} < preStop {pause} s + shutdown grace {grace} s + 1 s")
        if c["args"][:1] == ["gateway"] and pause < 1:
            fail(f"{where} {d['metadata']['name']}", "the gateway has no preStop pause")


def secret_refs(docs):
    """(secret, key, where) for every secret reference in the objects."""
    refs = []
    for d in by_kind(docs, "Deployment"):
        for c in containers(d):
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    refs.append((ref["name"], ref["key"], f"{d['metadata']['name']} env {e['name']}"))
            for e in c.get("envFrom", []):
                if "secretRef" in e:
                    refs.append((e["secretRef"]["name"], None, d["metadata"]["name"]))
        for v in d["spec"]["template"]["spec"].get("volumes", []):
            if "secret" in v:
                refs.append((v["secret"]["secretName"], None, d["metadata"]["name"]))
    for a in by_kind(docs, "TriggerAuthentication"):
        for t in a["spec"].get("secretTargetRef", []):
            refs.append((t["name"], t["key"], f"TriggerAuthentication/{a['metadata']['name']} {t['parameter']}"))
    return refs


def check_secrets(where, docs, examples, used):
    for name, key, at in secret_refs(docs):
        used.add((name, key))
        if name not in examples:
            fail(f"{where} {at}", f"secret {name} is not in deploy/examples/secrets.example.yaml")
        elif key is not None and key not in examples[name]:
            fail(f"{where} {at}", f"key {key} of secret {name} is not in deploy/examples/secrets.example.yaml")


def check_documented_env(where, docs, documented):
    """Kiln refuses unknown KILN_* variables at start-up: every one the
    manifests set must be a documented setting."""
    names = []
    for cm in by_kind(docs, "ConfigMap"):
        names += [(k, f"ConfigMap/{cm['metadata']['name']}") for k in cm.get("data", {})]
    for d in by_kind(docs, "Deployment"):
        for c in containers(d):
            names += [(e["name"], d["metadata"]["name"]) for e in c.get("env", [])]
    for name, at in names:
        if not name.startswith("KILN_"):
            continue
        if re.match(r"KILN_(KAFKA|BROKER)__PROPERTIES__[A-Z0-9_]+$", name):
            continue
        if f"`{name}`" not in documented:
            fail(f"{where} {at}", f"{name} is not a setting in docs/configuration.md")


def check_overlay(where, docs, crds, examples, used, documented):
    check_schemas(where, docs, crds)
    namespaces = {d["metadata"].get("namespace") for d in docs if d["kind"] not in CLUSTER_KINDS}
    if len(namespaces) != 1 or None in namespaces:
        fail(where, f"objects in namespaces {sorted(map(str, namespaces))}: the overlay must set one")
    configs = [c for c in by_kind(docs, "ConfigMap") if c["metadata"]["name"] == "kiln"]
    config = configs[0]["data"] if configs else {}
    if not configs:
        fail(where, "no ConfigMap kiln")
    deployments = by_kind(docs, "Deployment")
    for d in deployments:
        check_security(where, d)
        c = d["spec"]["template"]["spec"]["containers"][0]
        broker_env = {"rabbitmq": "KILN_AMQP_URL", "kafka": "KILN_KAFKA_BROKERS"}.get(config.get("KILN_BROKER"))
        if broker_env and broker_env not in env_of(c):
            fail(f"{where} {d['metadata']['name']}", f"no {broker_env} for KILN_BROKER={config.get('KILN_BROKER')}")
        if role_of(d) == "notify" and not {"KILN_JWT_SECRET", "KILN_SMTP_URL"} <= env_of(c).keys():
            fail(f"{where} {d['metadata']['name']}", "the notifier needs KILN_JWT_SECRET (signed links) and KILN_SMTP_URL")
    if not any(d["spec"]["template"]["spec"]["containers"][0]["args"][:1] == ["gateway"] for d in deployments):
        fail(where, "no gateway Deployment")
    check_images(where, deployments)
    check_scaling(where, docs, config)
    check_disruption(where, docs)
    check_grace(where, docs, config)
    check_memory_bounds(where, docs, config)
    check_secrets(where, docs, examples, used)
    check_documented_env(where, docs, documented)


# --- compose.yaml ----------------------------------------------------------------

INTERPOLATION = re.compile(
    r"\$(?:(?P<escaped>\$)|(?P<plain>[A-Za-z_][A-Za-z0-9_]*)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\})"
)


class MissingVariable(Exception):
    pass


def interpolate(value, env):
    """Compose's variable interpolation (the compose-spec's
    "Interpolation" section): $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
    ${VAR:?error}, ${VAR?error}, ${VAR:+replacement}, ${VAR+replacement},
    $$ for a literal $."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(m):
        if m.group("escaped"):
            return "$"
        name = m.group("plain") or m.group("braced")
        op, arg = m.group("op"), m.group("arg")
        is_set = name in env
        is_nonempty = bool(env.get(name))
        present = is_nonempty if op and op.startswith(":") else is_set
        if op in (":-", "-"):
            return env[name] if present else interpolate(arg, env)
        if op in (":?", "?"):
            if not present:
                raise MissingVariable(f"required variable {name} is missing a value: {arg}")
            return env[name]
        if op in (":+", "+"):
            return interpolate(arg, env) if present else ""
        return env.get(name, "")

    return INTERPOLATION.sub(one, value)


def check_compose(root):
    where = "compose.yaml"
    with open(os.path.join(root, "compose.yaml")) as f:
        raw = yaml.safe_load(f)
    with open(os.path.join(SCHEMAS, "compose-spec.json")) as f:
        validator = jsonschema.Draft7Validator(json.load(f))
    secret = "0123456789abcdef" * 4
    # No default secret: without the variable, compose must refuse.
    try:
        interpolate(raw, {})
        fail(where, "interpolates without KILN_JWT_SECRET: compose would start with no secret or a default one")
    except MissingVariable as e:
        if "KILN_JWT_SECRET" not in str(e):
            fail(where, f"without KILN_JWT_SECRET: {e}")
    for label, env in (
        ("KILN_JWT_SECRET set", {"KILN_JWT_SECRET": secret}),
        ("KILN_JWT_SECRET set, KILN_BROKER=kafka", {"KILN_JWT_SECRET": secret, "KILN_BROKER": "kafka"}),
    ):
        try:
            model = interpolate(raw, env)
        except MissingVariable as e:
            fail(where, str(e))
            continue
        for error in validator.iter_errors(model):
            fail(where, f"compose-spec schema ({label}): {describe(error)}")
    model = interpolate(raw, {"KILN_JWT_SECRET": secret})
    services = model.get("services", {})
    for name, s in services.items():
        at = f"{where} service {name}"
        for p in s.get("ports", []):
            host_ip = p.get("host_ip") if isinstance(p, dict) else (str(p).split(":")[0] if str(p).count(":") == 2 else None)
            if host_ip != "127.0.0.1":
                fail(at, f"port {p!r} is not bound to 127.0.0.1")
        if "build" not in s and "healthcheck" not in s:
            fail(at, "a server without a healthcheck")
        depends = s.get("depends_on", {})
        if isinstance(depends, list):
            fail(at, "depends_on without condition: service_healthy")
            continue
        for dep, how in depends.items():
            if how.get("condition") != "service_healthy":
                fail(at, f"depends on {dep} without condition: service_healthy")
            elif "healthcheck" not in services.get(dep, {}):
                fail(at, f"waits for {dep} to be healthy, which has no healthcheck")
        if "build" in s and s.get("environment", {}).get("KILN_JWT_SECRET") != secret:
            fail(at, "KILN_JWT_SECRET does not come from the shell")
    for server, path in (("rabbitmq", "/var/lib/rabbitmq"), ("mongo", "/data/db")):
        mounts = [str(v) for v in services.get(server, {}).get("volumes", [])]
        named = [m for m in mounts if m.endswith(":" + path) and m.split(":")[0] in model.get("volumes", {})]
        if not named:
            fail(f"{where} service {server}", f"no named volume on {path}")
    documented_env = set()
    for s in services.values():
        documented_env |= set(s.get("environment", {}) or {})
    return documented_env


# --- main ---------------------------------------------------------------------------


def main(argv):
    root, rendered = argv[0], argv[1:]
    crds = crd_schemas()
    with open(os.path.join(root, "deploy", "examples", "secrets.example.yaml")) as f:
        example_docs = [d for d in yaml.safe_load_all(f) if d]
    check_schemas("secrets.example.yaml", example_docs, crds)
    examples = {d["metadata"]["name"]: set(d.get("stringData", {})) | set(d.get("data", {})) for d in example_docs}
    with open(os.path.join(root, "docs", "configuration.md")) as f:
        documented = f.read()
    used = set()
    for arg in rendered:
        overlay, path = arg.split("=", 1)
        with open(path) as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        before = len(findings)
        check_overlay(f"overlay {overlay}", docs, crds, examples, used, documented)
        kinds = {}
        for d in docs:
            kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
        status = "ok" if len(findings) == before else f"{len(findings) - before} findings"
        print(f"overlay {overlay}: {len(docs)} objects ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}): {status}")
    for name, keys in examples.items():
        for key in sorted(keys):
            if (name, key) not in used:
                fail("secrets.example.yaml", f"key {key} of {name} is read by no overlay")
    compose_env = check_compose(root)
    fake = [{"kind": "ConfigMap", "metadata": {"name": "compose"}, "data": dict.fromkeys(compose_env)}]
    check_documented_env("compose.yaml", fake, documented)
    print(f"compose.yaml against compose-spec.json: {'ok' if not any(f.startswith('compose.yaml') for f in findings) else 'findings'}")
    for f in findings:
        print(f"FAIL {f}")
    print(f"{len(findings)} findings" if findings else
          f"deploy/ and compose.yaml: schemas (Kubernetes {' and '.join(K8S_VERSIONS)} strict, KEDA CRDs, compose-spec) and checks passed")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
