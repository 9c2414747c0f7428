// The GraphQL schema the decoder tests' real servers run: a `hello` query and
// a `greetings` subscription. graphql-ws and graphql-sse load graphql through
// Node's resolution (its CommonJS build); the schema must come from that same
// instance, not the ES build Vite would pick.

import { createRequire } from 'node:module';
import type { GraphQLSchema as Schema } from 'graphql';

const { GraphQLInt, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString } = createRequire(
  import.meta.url,
)('graphql') as typeof import('graphql');

export const schema: Schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: {
      hello: {
        type: GraphQLString,
        args: { name: { type: new GraphQLNonNull(GraphQLString) } },
        resolve: (_root, args: { name: string }) => `Hello ${args.name}`,
      },
    },
  }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      greetings: {
        type: GraphQLString,
        args: { count: { type: GraphQLInt } },
        subscribe: async function* (_root, args: { count?: number }) {
          for (let i = 0; i < (args.count ?? 3); i++) {
            await new Promise((resolve) => setTimeout(resolve, 5));
            yield { greetings: `hi ${i}` };
          }
        },
      },
    },
  }),
});
