export * from '@frookoon/contract';
