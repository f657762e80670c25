using System.Collections.Immutable;
using CloudController.Domain.Networks;

namespace CloudController.Domain.Tests.Networks;

public class NetworkPlannerTests
{
    private static ImmutableSortedDictionary<string, string> Data(params (string Key, string Value)[] pairs) =>
        pairs.ToImmutableSortedDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);

    private static readonly NetworkRequest Shop = new("shop", "corp.example.com", "10.0.1.10-10.0.1.20", [
        new NetworkMember("web", "nginx", null, Data(("app.backend", "http://${app.fqdn}:8080"))),
        new NetworkMember("app", "tomcat", "shop-app-01", Data(("app.db-url", "postgres://${db.ip}/shop"))),
        new NetworkMember("db", "postgres", null, Data()),
    ]);

    [Fact]
    public void Members_get_new_identities_and_their_references_follow_them()
    {
        var (members, errors) = NetworkPlanner.Plan(Shop, new HashSet<string> { "10.0.1.11" }, new HashSet<string>());
        Assert.Empty(errors);
        Assert.Equal(["shop-web", "shop-app-01", "shop-db"], members.Select(m => m.Hostname));
        Assert.Equal(["10.0.1.10", "10.0.1.12", "10.0.1.13"], members.Select(m => m.Ip));
        Assert.Equal("http://shop-app-01.corp.example.com:8080", members[0].Data["app.backend"]);
        Assert.Equal("postgres://10.0.1.13/shop", members[1].Data["app.db-url"]);
        Assert.Equal(("shop-db", "10.0.1.13", "corp.example.com"), (members[2].Data["hostname"], members[2].Data["ip"], members[2].Data["domain"]));
    }

    [Fact]
    public void Bad_references_roles_names_and_ranges_are_each_named()
    {
        var bad = Shop with
        {
            IpRange = "10.0.1.10-10.0.1.11",
            Members = [Shop.Members[0] with { Data = Data(("x", "${cache.ip}"), ("y", "${db.port}")) }, Shop.Members[1], Shop.Members[2] with { Role = "web" }],
        };
        var fields = NetworkPlanner.Plan(bad, new HashSet<string>(), new HashSet<string>()).Errors.Select(e => e.Field).ToList();
        Assert.Equal(["members[2].role", "members[0].data[x]", "members[0].data[y]", "members[1].data[app.db-url]"], fields); // db is gone, so ${db.ip} dangles

        var taken = NetworkPlanner.Plan(Shop with { IpRange = "10.0.1.10-10.0.1.11" }, new HashSet<string>(), new HashSet<string> { "shop-db" }).Errors;
        Assert.Equal(["members[2].hostname", "ipRange"], taken.Select(e => e.Field));
    }
}
