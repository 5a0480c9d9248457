using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Xunit;

namespace DicomTools.Tests.Unit.Support
{
    /// <summary>
    /// Orthanc binds port 0 where /proc tells us the port it got; elsewhere it needs a port in its configuration, and the
    /// fixture must survive that port being taken first.
    /// </summary>
    public sealed class OrthancFixturePortTests
    {
        [RequiresToolFact("Orthanc")]
        public async Task OnPortZeroTheFixtureReadsTheRealPortAndStartsOnce()
        {
            if (!ListeningPorts.Supported) return;   // no /proc: the retry path below is the one in use
            var fixture = new OrthancFixture();
            try
            {
                await fixture.InitializeAsync();
                Assert.Equal(1, fixture.StartAttempts);
                Assert.NotEqual(0, fixture.BaseAddress.Port);
                using var client = fixture.CreateClient();
                using var system = await client.GetAsync("system");
                Assert.True(system.IsSuccessStatusCode);   // our password is accepted there: it is our Orthanc
            }
            finally
            {
                await fixture.DisposeAsync();
            }
        }

        [RequiresToolFact("Orthanc")]
        public async Task APortTakenBeforeOrthancBindsItIsRetriedOnAnother()
        {
            using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            squatter.Listen();
            var taken = ((IPEndPoint)squatter.LocalEndPoint!).Port;
            var offered = 0;
            var fixture = new OrthancFixture
            {
                // The first port offered is the one another process holds: the race the fixture has to survive.
                PortCandidates = () => ++offered == 1 ? taken : OrthancFixture.EphemeralPortCandidate(),
            };
            try
            {
                await fixture.InitializeAsync();
                Assert.True(fixture.IsRunning);
                Assert.Equal(2, fixture.StartAttempts);
                Assert.NotEqual(taken, fixture.BaseAddress.Port);
                using var client = fixture.CreateClient();
                using var system = await client.GetAsync("system");
                Assert.True(system.IsSuccessStatusCode);
            }
            finally
            {
                await fixture.DisposeAsync();
            }
        }
    }
}
