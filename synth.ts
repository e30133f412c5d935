import { App, TextFile, YamlFile } from './src';

// Until the Kamal model lands, a small estate that exercises the engine.
const app = new App();
new YamlFile(app, 'deploy', { path: 'config/deploy.yml', erb: true, obj: { service: 'demo', servers: ['<%= ENV["KAMAL_SERVER_IP_ADDRESS"] %>'] } });
new TextFile(app, 'secrets', { path: '.kamal/secrets', commentPrefix: '#', lines: ['KAMAL_REGISTRY_PASSWORD=$KAMAL_REGISTRY_PASSWORD'] });
app.synth();
