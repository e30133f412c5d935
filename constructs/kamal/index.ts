export * from './access';
// Rendering helpers (portArg, sortedRecord) stay inside the module.
export { Accessory } from './accessory';
export type { AccessoryAddress, AccessoryDirectory, AccessoryFile, AccessoryProps, IAccessoryOwner, PortMapping } from './accessory';
export * from './deploy';
export * from './env';
export * from './host';
export * as L1 from './l1';
export * from './merge';
export * from './postgres';
// compact, renderProxy and mergeProxyProps are the model's own steps, not API.
export type { ProxyProps } from './proxy';
export * from './redis';
export * from './reach';
export * from './schema';
export * from './secrets';
export * from './servers';
// mergeSettings and the render* functions are the model's own steps, not API.
export type { BuilderProps, ConfigSettings, HostSpec, LoggingProps, RegistryProps, RoleProps, SshProps } from './settings';
export * from './view';
export * from './volume';
export * from './values';
