# Test-SampleConnection against real peers: the lab server (all Ok), a real Orthanc with a wrong password (auth
# failed), a local TLS listener with a self-signed certificate (validation failure with the certificate's details)
# and a port nothing listens on (connection refused).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Support/TestServers.ps1')
    Import-Module $script:ModulePath -Force

    $script:Keys = @{ MdKey = 'mdK3y-Pf11-SECRET'; UploadKey = 'upK3y-Pf22-SECRET'; AnalyticsKey = 'anK3y-Pf33-SECRET'; LogKey = 'lgK3y-Pf44-SECRET' }
    $script:Server = Start-LabServer -Keys $script:Keys
    $script:SettingNames = 'MD_URL', 'MD_KEY', 'U_URL', 'U_KEY', 'A_URL', 'A_KEY', 'LOG_URL', 'LOG_KEY', 'LOG_LEVEL'
    function Clear-RunSettings { foreach ($name in $script:SettingNames) { Remove-Item "env:$name" -ErrorAction Ignore } }
    function Set-RunSettings {
        $env:MD_URL = "$($script:Server.Url)/api/metadata"; $env:MD_KEY = $script:Keys.MdKey
        $env:U_URL = "$($script:Server.Url)/api/upload"; $env:U_KEY = $script:Keys.UploadKey
        $env:A_URL = "$($script:Server.Url)/api/analytics"; $env:A_KEY = $script:Keys.AnalyticsKey
        $env:LOG_URL = "$($script:Server.Url)/api/logs"; $env:LOG_KEY = $script:Keys.LogKey
    }
    Add-LabSample $script:Server -SampleId 'pf-sample-1' -PatientName 'Rex' -Species 'Dog' -TestType 'CBC' -ClinicName 'North'

    # A TLS listener on 127.0.0.1, port 0 (kept), that completes handshakes with a self-signed certificate.
    Add-Type -TypeDefinition @'
using System;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Tasks;
public sealed class PreflightTlsListener : IDisposable
{
    private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _certificate;
    public PreflightTlsListener(X509Certificate2 certificate)
    {
        _certificate = certificate;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        Task.Run(AcceptLoop);
    }
    public int Port { get; }
    private async Task AcceptLoop()
    {
        while (true)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(); } catch { return; }
            _ = Task.Run(async () =>
            {
                using (client)
                using (var ssl = new SslStream(client.GetStream()))
                {
                    try { await ssl.AuthenticateAsServerAsync(_certificate); await ssl.ReadAsync(new byte[1], 0, 1); } catch { }
                }
            });
        }
    }
    public void Dispose() { _listener.Stop(); }
}
'@
    $rsa = [System.Security.Cryptography.RSA]::Create(2048)
    $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new('CN=dicomtools-preflight-selfsigned', $rsa,
        [System.Security.Cryptography.HashAlgorithmName]::SHA256, [System.Security.Cryptography.RSASignaturePadding]::Pkcs1)
    $script:CertNotAfter = [datetimeoffset]::new([datetime]::UtcNow.Date.AddDays(40).AddHours(12), [timespan]::Zero)
    $ephemeral = $request.CreateSelfSigned([datetimeoffset]::UtcNow.AddDays(-1), $script:CertNotAfter)
    $script:Certificate = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($ephemeral.Export('Pfx'))
    $script:Tls = [PreflightTlsListener]::new($script:Certificate)

    $script:NoOrthanc = (Test-SkipWithout 'Orthanc') -and -not (Test-Path /usr/sbin/Orthanc)
}

AfterAll {
    Clear-RunSettings
    if ($script:Tls) { $script:Tls.Dispose() }
    if ($script:Server) { Stop-LabServer $script:Server }
}

Describe 'Test-SampleConnection' -Tag 'Preflight' {
    BeforeEach {
        Clear-RunSettings
        Clear-LabJournal $script:Server
    }

    It 'finds every API of the lab server Ok, proves the metadata key with -SampleId, and changes nothing' {
        Set-RunSettings
        $results = @(Test-SampleConnection -SampleId 'pf-sample-1')

        $results.Api | Should -Be @('Metadata', 'Upload', 'Analytics', 'Log')
        $results | ForEach-Object { $_.Verdict | Should -Be 'Ok' -Because "$($_.Api): $($_.Reason)" }
        $results[0].StatusCode | Should -Be 200
        $results[0].Reason | Should -Match 'Authenticated .*pf-sample-1'
        $results[0].TcpConnected | Should -BeTrue
        $results[0].Addresses | Should -Match '127\.0\.0\.1'
        $results[1].AuthenticationCheck | Should -Match '^not checked'
        # Only the metadata GET reached the server: no upload, no analytics, no log.
        $journal = @(Get-LabJournal $script:Server)
        $journal.Count | Should -Be 1
        $journal[0].Endpoint | Should -Be 'metadata'
        $results[0].PSObject.TypeNames[0] | Should -Be 'DicomTools.Engine.Preflight.ConnectionCheckResult'
    }

    It 'names a missing setting as a Failed result for that API and still checks the others' {
        Set-RunSettings
        Remove-Item env:A_URL, env:A_KEY
        $results = @(Test-SampleConnection)
        $analytics = $results | Where-Object Api -EQ 'Analytics'
        $analytics.Verdict | Should -Be 'Failed'
        $analytics.FailedStep | Should -Be 'Settings'
        $analytics.Reason | Should -Match 'A_URL'
        $analytics.Reason | Should -Match 'A_KEY'
        $analytics.Action | Should -Match 'A_URL'
        ($results | Where-Object Api -EQ 'Upload').Verdict | Should -Be 'Ok'
    }

    It 'reports a closed port as connection refused, with what to do' {
        Set-RunSettings
        # Bound but not listening: the port is ours for the test and refuses every connection.
        $socket = [System.Net.Sockets.Socket]::new([System.Net.Sockets.SocketType]::Stream, [System.Net.Sockets.ProtocolType]::Tcp)
        try {
            $socket.Bind([System.Net.IPEndPoint]::new([System.Net.IPAddress]::Loopback, 0))
            $port = $socket.LocalEndPoint.Port
            $result = @(Test-SampleConnection -AnalyticsUri "http://127.0.0.1:$port/api/analytics") | Where-Object Api -EQ 'Analytics'
        }
        finally { $socket.Dispose() }
        $result.Verdict | Should -Be 'Failed'
        $result.FailedStep | Should -Be 'Tcp'
        $result.TcpConnected | Should -BeFalse
        $result.Reason | Should -Match "Connection refused by 127\.0\.0\.1:$port"
        $result.Action | Should -Match 'A_URL'
    }

    It 'reports a self-signed certificate as a TLS failure with its subject and expiry' {
        Set-RunSettings
        $result = @(Test-SampleConnection -UploadUri "https://127.0.0.1:$($script:Tls.Port)/instances") | Where-Object Api -EQ 'Upload'
        $result.Verdict | Should -Be 'Failed'
        $result.FailedStep | Should -Be 'Tls'
        $result.CertificateSubject | Should -Be 'CN=dicomtools-preflight-selfsigned'
        $result.CertificateNotAfter.ToString('yyyy-MM-dd') | Should -Be $script:CertNotAfter.UtcDateTime.ToString('yyyy-MM-dd')
        $result.CertificateErrors | Should -Match 'RemoteCertificateChainErrors'
        $result.Reason | Should -Match 'not trusted'
        $result.Reason | Should -Match 'dicomtools-preflight-selfsigned'
        $result.Reason | Should -Match ([regex]::Escape($script:CertNotAfter.UtcDateTime.ToString('yyyy-MM-dd')))
        $result.TlsProtocol | Should -Not -BeNullOrEmpty

        # -SkipCertificateCheck: the handshake is accepted, and the reason still says the certificate is not trusted.
        $skipped = @(Test-SampleConnection -UploadUri "https://127.0.0.1:$($script:Tls.Port)/other" -SkipCertificateCheck) | Where-Object Api -EQ 'Upload'
        $skipped.FailedStep | Should -Not -Be 'Tls'
        $skipped.Reason | Should -Match 'accepted because the certificate check is skipped'
    }

    It 'never shows a key in any stream or in the results, even when a check fails' {
        Set-RunSettings
        $env:MD_KEY = 'wrong-' + $script:Keys.MdKey
        $all = Test-SampleConnection -SampleId 'pf-sample-1' -Verbose -Debug 4>&1 5>&1 3>&1 2>&1 6>&1 | Out-String
        $json = Test-SampleConnection -SampleId 'pf-sample-1' | ConvertTo-Json -Depth 3
        $csv = Test-SampleConnection -SampleId 'pf-sample-1' | ConvertTo-Csv | Out-String
        foreach ($key in $script:Keys.Values) {
            $all | Should -Not -Match ([regex]::Escape($key))
            $json | Should -Not -Match ([regex]::Escape($key))
            $csv | Should -Not -Match ([regex]::Escape($key))
        }
        $json | Should -Not -Match 'DicomTools\.'
        (Test-SampleConnection -SampleId 'pf-sample-1' | Where-Object Api -EQ 'Metadata').FailedStep | Should -Be 'Authentication'
    }
}

Describe 'Test-SampleConnection against a real Orthanc' -Tag 'Preflight', 'Orthanc' -Skip:$script:NoOrthanc {
    BeforeAll { $script:Orthanc = Start-TestOrthanc }
    AfterAll { if ($script:Orthanc) { Stop-TestOrthanc $script:Orthanc } }

    It 'proves the Orthanc password with GET /system, and reports a wrong one as an authentication failure' {
        Set-RunSettings
        $good = @(Test-SampleConnection -UploadUri "$($script:Orthanc.Url)/instances" -UploadCredential $script:Orthanc.Credential) | Where-Object Api -EQ 'Upload'
        $good.Verdict | Should -Be 'Ok' -Because $good.Reason
        $good.AuthenticationCheck | Should -Be 'GET /system'
        $good.StatusCode | Should -Be 200

        $wrong = [pscredential]::new($script:Orthanc.Credential.UserName, (ConvertTo-SecureString 'Wrong-Orthanc-pw-5150' -AsPlainText -Force))
        $bad = @(Test-SampleConnection -UploadUri "$($script:Orthanc.Url)/instances" -UploadCredential $wrong) | Where-Object Api -EQ 'Upload'
        $bad.Verdict | Should -Be 'Failed'
        $bad.FailedStep | Should -Be 'Authentication'
        $bad.StatusCode | Should -Be 401
        $bad.Reason | Should -Match 'Authentication failed'
        $bad.Action | Should -Match 'U_KEY'
        ($bad | ConvertTo-Json) | Should -Not -Match 'Wrong-Orthanc-pw-5150'

        # The DICOMweb URL is checked with QIDO.
        $qido = @(Test-SampleConnection -UploadUri "$($script:Orthanc.Url)/dicom-web/studies" -UploadCredential $script:Orthanc.Credential) | Where-Object Api -EQ 'Upload'
        $qido.AuthenticationCheck | Should -Be 'GET /dicom-web/studies?limit=1'
        $qido.Verdict | Should -Be 'Ok' -Because $qido.Reason
    }
}

Describe 'Module surface for publishing' -Tag 'Preflight' {
    It 'exports Set-DicomTag as an alias of Set-DicomTags (the singular noun PowerShell users type)' {
        $alias = Get-Alias Set-DicomTag -ErrorAction Stop
        $alias.ResolvedCommandName | Should -Be 'Set-DicomTags'
        (Get-Module DicomTools).ExportedAliases.Keys | Should -Contain 'Set-DicomTag'
        (Import-PowerShellDataFile $script:ModulePath).AliasesToExport | Should -Contain 'Set-DicomTag'
        (Get-Command Set-DicomTag).ResolvedCommand.Name | Should -Be 'Set-DicomTags'
    }

    It 'exports Test-SampleConnection with help and a format view' {
        $command = Get-Command Test-SampleConnection -Module DicomTools -ErrorAction Stop
        $command.Verb | Should -BeIn (Get-Verb).Verb
        (Get-Help Test-SampleConnection).Synopsis | Should -Match 'DNS, TCP, TLS'
        $table = [DicomTools.Engine.Preflight.ConnectionCheckResult]::new('Upload', 'U_URL') | Format-Table | Out-String -Width 200
        $table | Should -Match 'Api\s+Verdict\s+Step\s+Uri\s+Reason'
    }

    It 'claims no home it does not have: no placeholder URIs, and any HelpUri opens an existing reference page' {
        $manifest = Import-PowerShellDataFile $script:ModulePath
        ($manifest | ConvertTo-Json -Depth 5) | Should -Not -Match 'example\.invalid'
        $manifest.PrivateData.PSData.Keys | Should -Not -Contain 'ProjectUri'
        $manifest.Description | Should -Match 'built for Windows PowerShell 5\.1 \(netstandard2\.0\), not tested in CI'
        foreach ($command in Get-Command -Module DicomTools -CommandType Cmdlet) {
            # Get-Help -Online opens only http(s) URIs; until the project has a public home there is none to give.
            if ($command.HelpUri) {
                $command.HelpUri | Should -Match '^https?://'
                $page = ([uri] $command.HelpUri).Segments[-1] -replace '\.(md|html|txt)$'
                $page | Should -Be $command.Name
                Test-Path (Join-Path $script:RepoRoot "docs/en-US/$($command.Name).md") | Should -BeTrue
            }
            Test-Path (Join-Path $script:RepoRoot "docs/en-US/$($command.Name).md") | Should -BeTrue -Because "$($command.Name) needs its help page"
        }
    }
}
