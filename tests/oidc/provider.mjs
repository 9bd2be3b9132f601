// A real OpenID Connect provider on loopback for the node's sign-in tests.
//   node provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI
// Development interactions: any login name signs in as the account of that name, whose
// e-mail is <name>@example.org (verified); the account "boss" is in the group gemella-operators.
import Provider from "oidc-provider";

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  pkce: { required: () => true, methods: ["S256"] },
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"], groups: ["groups"] },
  scopes: ["openid", "email", "profile", "groups"],
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ["gemellaggio-test-cookie-key"] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: `${id}@example.org`,
          email_verified: true,
          name: id.charAt(0).toUpperCase() + id.slice(1),
          groups: id === "boss" ? ["gemella-operators"] : ["members"],
        };
      },
    };
  },
});
provider.proxy = false;
provider.listen(Number(port), "127.0.0.1", () => console.log(`listening ${issuer}`));
