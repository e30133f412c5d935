/**
 * The fixed text of the operations page (headings, column names, sentences), one catalogue per
 * language. Values from the model (domains, container names, secrets, files) are never translated:
 * they are passed in and shown as they are.
 */

import { code, codes } from './_markdown';

/** The languages the operations page is written in. */
export type PageLanguage = 'en' | 'ja';

/**
 * Every fixed text of the operations page, in one language: the English catalogue's shape, which
 * every other language must fill.
 */
export type OperationsPageMessages = typeof OPERATIONS_PAGE_EN;

/** The English catalogue, whose shape every other language fills. */
export const OPERATIONS_PAGE_EN = {
  title: 'Server architecture',
  description: 'Hosts, endpoints, containers, secrets, deploy flow and log collection, generated from the Kamal configs.',
  intro: (hosts: number, configs: readonly string[]) =>
    `The estate runs on ${hosts === 1 ? 'one host' : `${hosts} hosts`} as Docker containers, deployed with Kamal from ${configs.map(code).join(', ')}. ` +
    'This page is generated from the same model as those files, so it says what they say.',
  architecture: {
    heading: 'Architecture',
    intro: 'Who reaches which endpoint through kamal-proxy, what each container talks to, where the data lives and how logs flow.',
    everyone: 'Everyone',
    operators: 'Operators',
    proxy: 'kamal-proxy',
    journald: 'journald',
    public: 'public',
    restricted: (control: string) => `restricted: ${control}`,
    undeclared: 'access not declared',
    images: 'images',
    tokenRealm: 'token realm',
    logs: (tag: string) => `logs, tag ${tag}`,
  },
  endpoints: {
    heading: 'Endpoints',
    intro: 'Every route kamal-proxy serves. TLS ends at kamal-proxy where the scheme is https.',
    columns: ['Endpoint', 'Served by', 'Config', 'Who may reach it', 'Access control', 'Health check'],
    anyHost: 'any host',
    everyone: 'everyone',
    operators: 'operators',
    undeclared: 'not declared',
    none: 'none',
    basicAuth: (enabled: string, secrets: readonly string[]) => `HTTP Basic auth in the app: ${code(enabled)}, credentials from secrets ${codes(secrets, ', ')}`,
    grafanaLogin: (secret: string) => `Grafana's own login; admin password from secret ${code(secret)}, sign-up and anonymous access off`,
    registryToken: (realm: string, file: string) => `the registry accepts only tokens from ${code(realm)} (${code(file)})`,
    tokenServer: (server: string, users: readonly string[], file: string) => `token server ${code(server)} issues tokens to ${codes(users, ', ')} (${code(file)})`,
    verifiedAtSynth: (container: string) => `enforced by ${code(container)}, verified at every synth`,
  },
  containers: {
    heading: 'Containers',
    intro: 'What runs on each host. App containers are named by the prefix shown, followed by the deployed version.',
    host: (label: string) => `Host ${label}`,
    columns: ['Container', 'Config', 'Image', 'Published ports', 'Volumes'],
    kamalProxy: "Kamal's own",
    allInterfaces: 'all interfaces',
    hostNetwork: 'host network: every port it listens on',
    dockerPicks: 'a port Docker picks',
  },
  secrets: {
    heading: 'Secrets',
    intro: 'Names only: values never enter the repository. Kamal reads each file in order; a later file overrides an earlier one.',
    columns: ['Secret', 'Read by', 'Keys', 'Resolved from'],
    unread: 'no config',
    unresolved: (files: readonly string[]) => `not found in ${codes(files, ', ')}`,
  },
  deploy: {
    heading: 'Deploy flow',
    intro: 'The first deploy of a destination runs its setup script; later deploys run its deploy script, by hand or from GitHub Actions.',
    scriptsHeading: 'Scripts',
    scriptsColumns: ['Deploys', 'First deploy', 'Later deploys', 'Server address'],
    serverAddress: (credential: string, variable: string) => `${code(credential)} from the Rails credentials, exported as ${code(variable)}`,
    serverAddresses: (addresses: ReadonlyArray<{ readonly credential: string; readonly variable: string }>) =>
      `from the Rails credentials in one lookup: ${addresses.map((a) => `${code(a.credential)} exported as ${code(a.variable)}`).join(', ')}`,
    noServerAddressLookup: 'no lookup: the hosts are addresses in the config',
    workflowsHeading: 'Workflows',
    workflowsColumns: ['Workflow', 'Name', 'Triggers', 'Runs', 'GitHub secrets'],
    push: (branches: readonly string[], paths: readonly string[]) => `push to ${codes(branches, ', ')}${paths.length ? ` touching ${codes(paths, ', ')}` : ''}`,
    manual: 'by hand (workflow_dispatch)',
    otherEvent: (event: string) => code(event),
    sequenceHeading: 'Sequence',
    operator: 'Operator',
    githubActions: 'GitHub Actions',
    kamal: 'Kamal',
    firstDeploy: 'first deploy',
    laterDeploys: 'later deploys',
    buildAndPush: (image: string) => `build and push ${image}`,
    overSsh: (what: { readonly app: boolean; readonly proxied: boolean }): string => (!what.app ? 'over SSH: boot accessories' : what.proxied ? 'over SSH: pull, boot, switch' : 'over SSH: pull, boot'),
    pull: (image: string) => `pull ${image}`,
    bootAccessories: (names: readonly string[]) => `setup only: boot accessories ${names.join(', ')}`,
    startApp: (names: readonly string[]) => `start ${names.join(', ')}`,
    healthcheck: (path: string) => `kamal-proxy switches traffic once ${path} answers`,
  },
  logs: {
    heading: 'Log collection',
    intro: 'Fluent Bit reads the host journal and ships what these matches select to Loki.',
    columns: ['Source', 'journald match', 'Written by', 'Collected by', 'Destination'],
    grafanaReads: (grafana: string, url: string, file: string) => `Grafana (${code(grafana)}) reads Loki at ${code(url)}, provisioned in ${code(file)}.`,
  },
  hazards: {
    heading: 'Known hazards',
    intro: 'What synth warns about in this estate. A hazard stays listed as long as the configuration has it; an acknowledged one shows the reason given.',
    columns: ['Hazard', 'Warning', 'Acknowledged'],
    none: 'synth warns about nothing in this estate.',
  },
  /** Names of access controls by their `description`; a control not listed shows its own. */
  controls: {} as Readonly<Record<string, string>>,
  listSeparator: ', ',
};

const ja: OperationsPageMessages = {
  title: 'サーバー構成',
  description: 'ホスト、エンドポイント、コンテナ、secrets、デプロイフロー、ログ収集。Kamal の設定から生成しています。',
  intro: (hosts, configs) =>
    `${hosts === 1 ? '1台' : `${hosts}台`}のホスト上で Docker コンテナとして動かし、Kamal で ${configs.map(code).join('、')} からデプロイします。` +
    'このページはそれらの設定ファイルと同じモデルから生成しているため、内容は設定と一致します。',
  architecture: {
    heading: '構成図',
    intro: 'kamal-proxy を通じて誰がどのエンドポイントにアクセスするか、各コンテナの接続先、データの保存先、ログの流れを示します。',
    everyone: '一般利用者',
    operators: '管理者・運用者',
    proxy: 'kamal-proxy',
    journald: 'journald',
    public: '公開',
    restricted: (control) => `制限: ${control}`,
    undeclared: 'アクセス未宣言',
    images: 'image',
    tokenRealm: 'token realm',
    logs: (tag) => `ログ (tag ${tag})`,
  },
  endpoints: {
    heading: 'エンドポイント',
    intro: 'kamal-proxy が公開しているすべてのルートです。https のものは kamal-proxy で TLS を終端します。',
    columns: ['エンドポイント', '公開先', '設定', 'アクセスできる人', 'アクセス制限', 'health check'],
    anyHost: '全ホスト名',
    everyone: '一般利用者',
    operators: '管理者・運用者',
    undeclared: '未宣言',
    none: '制限なし',
    basicAuth: (enabled, secrets) => `アプリの Basic認証: ${code(enabled)}、認証情報は secret ${codes(secrets, '、')}`,
    grafanaLogin: (secret) => `Grafana のログイン。admin パスワードは secret ${code(secret)}、サインアップと匿名アクセスは無効`,
    registryToken: (realm, file) => `registry は ${code(realm)} が発行した token のみ受け付ける (${code(file)})`,
    tokenServer: (server, users, file) => `token サーバー ${code(server)} が ${codes(users, '、')} に token を発行 (${code(file)})`,
    verifiedAtSynth: (container) => `${code(container)} が制限し、synth のたびに検証`,
  },
  containers: {
    heading: 'コンテナ',
    intro: '各ホストで動くコンテナです。アプリのコンテナ名は表の名前の後ろにデプロイしたバージョンが付きます。',
    host: (label) => `ホスト ${label}`,
    columns: ['コンテナ', '設定', 'image', '公開ポート', 'volume'],
    kamalProxy: 'Kamal が管理',
    allInterfaces: '全インターフェース',
    hostNetwork: 'host network: 待ち受けるすべてのポート',
    dockerPicks: 'Docker が選ぶポート',
  },
  secrets: {
    heading: 'secrets',
    intro: '名前のみを記載し、値はリポジトリに入れません。Kamal は各ファイルを順に読み、後のファイルが前のファイルを上書きします。',
    columns: ['secret', '参照する設定', 'キー', '定義しているファイル'],
    unread: 'なし',
    unresolved: (files) => `${codes(files, '、')} に定義なし`,
  },
  deploy: {
    heading: 'デプロイフロー',
    intro: '各 destination の初回は setup スクリプト、2回目以降は deploy スクリプトを手動または GitHub Actions から実行します。',
    scriptsHeading: '実行スクリプト',
    scriptsColumns: ['対象', '初回', '2回目以降', 'サーバーアドレス'],
    serverAddress: (credential, variable) => `Rails credentials の ${code(credential)} を ${code(variable)} として export`,
    serverAddresses: (addresses) => `Rails credentials から1回で取得し、${addresses.map((a) => `${code(a.credential)} を ${code(a.variable)}`).join('、')} として export`,
    noServerAddressLookup: '取得なし: ホストは設定に書かれたアドレス',
    workflowsHeading: 'workflow',
    workflowsColumns: ['workflow', '名前', 'トリガー', '実行内容', 'GitHub secrets'],
    push: (branches, paths) => `${codes(branches, '、')} への push${paths.length ? ` (${codes(paths, '、')} に変更があるとき)` : ''}`,
    manual: '手動実行 (workflow_dispatch)',
    otherEvent: (event) => code(event),
    sequenceHeading: 'シーケンス',
    operator: '運用者',
    githubActions: 'GitHub Actions',
    kamal: 'Kamal',
    firstDeploy: '初回',
    laterDeploys: '2回目以降',
    buildAndPush: (image) => `${image} を build して push`,
    overSsh: (what) => (!what.app ? 'SSH で accessory を起動' : what.proxied ? 'SSH で pull、起動、切り替え' : 'SSH で pull、起動'),
    pull: (image) => `${image} を pull`,
    bootAccessories: (names) => `setup のみ: accessory ${names.join('、')} を起動`,
    startApp: (names) => `${names.join('、')} を起動`,
    healthcheck: (path) => `${path} が応答したら kamal-proxy が切り替え`,
  },
  logs: {
    heading: 'ログ収集',
    intro: 'Fluent Bit がホストの journal を読み、以下の条件に合うログを Loki に送信します。',
    columns: ['ログ', 'journald の条件', '出力元', '収集', '送信先'],
    grafanaReads: (grafana, url, file) => `Grafana (${code(grafana)}) は ${code(url)} の Loki を datasource として参照します (${code(file)} で設定)。`,
  },
  hazards: {
    heading: '既知のリスク',
    intro: 'synth がこの構成について出している警告です。設定にリスクが残る限り掲載され、承認済みのものはその理由を示します。',
    columns: ['リスク', '警告', '承認'],
    none: 'synth はこの構成について警告を出していません。',
  },
  controls: {
    'HTTP Basic auth': 'Basic認証',
    'registry token auth': 'Docker registry token認証',
    'Grafana login': 'Grafanaログイン',
    'docker_auth login': 'docker_auth ログイン',
  },
  listSeparator: '、',
};

/** The catalogues, by language. */
export const OPERATIONS_PAGE_MESSAGES: Readonly<Record<PageLanguage, OperationsPageMessages>> = { en: OPERATIONS_PAGE_EN, ja };
