export * from './client.ts';
export * from './consumer.ts';
export * from './partitioner.ts';
export * from './requests.ts';
