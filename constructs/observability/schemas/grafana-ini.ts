import * as path from 'path';
import { DocumentProblem, JsonSchema } from '../../../src/schema';
import { child, isRecord, obj, oneOf, pointer, problem, Schema } from './_schema';

/*
 * `grafana.ini` as the npm `ini` package parses it back (the form synth validates): sections
 * become objects, values stay strings except `true`/`false`, and a dotted section header nests,
 * so `[auth.anonymous]` arrives as `auth.anonymous` inside `auth`.
 *
 * Grafana ignores sections and keys it does not know, so a typo in grafana.ini is silent; here
 * an unknown section or key is an error. Only the sections an estate plausibly sets are modelled,
 * with keys from Grafana's `conf/defaults.ini` that are long-standing (present for several major
 * versions and still read by 12.x). Add a key here, from defaults.ini, when an estate needs it.
 *
 * Any value may also be an expansion Grafana resolves at start: `$__env{VAR}`, `$__file{path}`,
 * `$__vault{...}` or `${VAR}`. Empty means "use the default".
 */

const EXPANSION = '\\$__(env|file|vault)\\{[^}]*\\}|\\$\\{[^}]*\\}';
const text: Schema = { type: 'string' };
/** go-ini `MustBool`: the `ini` package's booleans, or the words go-ini accepts. */
const flag: Schema = {
  type: ['boolean', 'string'],
  pattern: `^(|1|t|T|true|TRUE|True|YES|yes|Yes|y|ON|on|On|0|f|F|false|FALSE|False|NO|no|No|n|OFF|off|Off|${EXPANSION})$`,
};
const integer: Schema = { type: ['integer', 'string'], pattern: `^(|-?[0-9]+|${EXPANSION})$` };
const role = oneOf('Viewer', 'Editor', 'Admin');

/** `[paths]`. */
const paths = obj({ data: text, temp_data_lifetime: text, logs: text, plugins: text, provisioning: text });

/** `[server]`. */
const server = obj({
  protocol: oneOf('http', 'https', 'h2', 'socket'),
  http_addr: text,
  http_port: integer,
  domain: text,
  enforce_domain: flag,
  root_url: text,
  serve_from_sub_path: flag,
  router_logging: flag,
  static_root_path: text,
  enable_gzip: flag,
  cert_file: text,
  cert_key: text,
  socket: text,
  cdn_url: text,
  read_timeout: text,
});

/** `[database]`. */
const database = obj({
  type: oneOf('sqlite3', 'mysql', 'postgres'),
  host: text,
  name: text,
  user: text,
  password: text,
  url: text,
  max_idle_conn: integer,
  max_open_conn: integer,
  conn_max_lifetime: integer,
  log_queries: flag,
  ssl_mode: text,
  isolation_level: text,
  ca_cert_path: text,
  client_key_path: text,
  client_cert_path: text,
  server_cert_name: text,
  path: text,
  cache_mode: oneOf('private', 'shared'),
  locking_attempt_timeout_sec: integer,
});

/** `[analytics]`. */
const analytics = obj({
  reporting_enabled: flag,
  reporting_distributor: text,
  check_for_updates: flag,
  check_for_plugin_updates: flag,
  feedback_links_enabled: flag,
});

/** `[security]`. */
const security = obj({
  disable_initial_admin_creation: flag,
  admin_user: text,
  // Used only when the admin user is first created (empty database).
  admin_password: text,
  admin_email: text,
  secret_key: text,
  disable_gravatar: flag,
  data_source_proxy_whitelist: text,
  disable_brute_force_login_protection: flag,
  cookie_secure: flag,
  cookie_samesite: oneOf('lax', 'strict', 'none', 'disabled'),
  allow_embedding: flag,
  strict_transport_security: flag,
  strict_transport_security_max_age_seconds: integer,
  strict_transport_security_preload: flag,
  strict_transport_security_subdomains: flag,
  x_content_type_options: flag,
  x_xss_protection: flag,
  content_security_policy: flag,
  content_security_policy_template: text,
});

/** `[users]`. */
const users = obj({
  allow_sign_up: flag,
  allow_org_create: flag,
  auto_assign_org: flag,
  auto_assign_org_id: integer,
  auto_assign_org_role: role,
  verify_email_enabled: flag,
  login_hint: text,
  password_hint: text,
  default_theme: oneOf('dark', 'light', 'system'),
  default_locale: text,
  home_page: text,
  hidden_users: text,
  user_invite_max_lifetime_duration: text,
});

/** `[auth.anonymous]`, which `ini` nests under `auth`. */
const anonymous = obj({ enabled: flag, org_name: text, org_role: role, hide_version: flag });

/** `[auth]`, plus its `[auth.anonymous]` subsection. */
const auth = obj({
  login_cookie_name: text,
  login_maximum_inactive_lifetime_duration: text,
  login_maximum_lifetime_duration: text,
  token_rotation_interval_minutes: integer,
  disable_login_form: flag,
  disable_signout_menu: flag,
  signout_redirect_url: text,
  oauth_auto_login: flag,
  anonymous,
});

/** `[log]`. */
const log = obj({
  mode: { type: 'string', pattern: '^(console|file|syslog)( +(console|file|syslog))*$' },
  level: oneOf('debug', 'info', 'warn', 'error', 'critical'),
  filters: text,
});

/** The JSON Schema of a grafana.ini parsed by the `ini` package. */
const GRAFANA_INI_SCHEMA: Schema = {
  ...obj({ paths, server, database, analytics, security, users, auth, log }),
  // A section name with a literal dot is how `ini` parses `[auth\.anonymous]`; the rules explain it.
  patternProperties: { '\\.': { type: 'object' } },
};

/**
 * A dotted key at the top means the file was built as `{ 'auth.anonymous': ... }`: `ini` then
 * writes the header escaped (`[auth\.anonymous]`), which Grafana reads as a different section.
 */
function checkDottedSections(doc: unknown): DocumentProblem[] {
  if (!isRecord(doc)) return [];
  return Object.keys(doc)
    .filter((k) => k.includes('.'))
    .map((k) => {
      const [section, sub] = k.split('.', 2);
      const nested = child(child(child(child(GRAFANA_INI_SCHEMA, 'properties'), section), 'properties'), sub);
      return k === `${section}.${sub}` && nested !== undefined
        ? problem(
          pointer(k),
          `section header written as [${section}\\.${sub}], which Grafana does not read as [${k}]; nest it instead: { ${section}: { ${sub}: { ... } } }`,
        )
        : problem(pointer(k), 'unknown section');
    });
}

/** grafana.ini: the sections and keys above, as the `ini` package parses the file. */
export const grafanaIniSchema = new JsonSchema(GRAFANA_INI_SCHEMA, [checkDottedSections], path.join(__dirname, 'grafana-ini.validator.js'));
