# DicomTools must work in a session where another module already loaded another Polly.Core, and must not
# break that module: on PowerShell 7 its dependencies live in a private AssemblyLoadContext. Polly.Core 8.1.0
# and the 8.9.1 the module ships have the same assembly version (8.0.0.0), so without isolation the runtime
# would hand one module the other's copy (or refuse to load the second one at all).
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:HasRetryingCommand = [bool] (Import-PowerShellDataFile $script:ModulePath).CmdletsToExport.Where({ $_ -eq 'Get-SampleMetadata' }).Count -and
        (Test-Path (Join-Path $PSScriptRoot 'Support/TestServers.ps1'))
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    . (Join-Path $PSScriptRoot 'Support/ChildProcess.ps1')
    $script:OldPolly = Join-Path (Get-NuGetPackageRoot) 'polly.core/8.1.0/lib/net6.0/Polly.Core.dll'
    if (-not (Test-Path $script:OldPolly)) { throw "Polly.Core 8.1.0 is not restored (tests/Pester/Pester.Restore.csproj): $script:OldPolly" }
    # PowerShell 7.6+ (.NET 10) loads the net10.0 build from core/; earlier PowerShell 7 the netstandard2.0 build,
    # whose packages live in dependencies/.
    $script:DependencyFolder = Join-Path (Split-Path $script:ModulePath) $(if ([Environment]::Version.Major -ge 10) { 'core' } else { 'dependencies' })

    # The child's script: loads the old Polly before or after the module, runs a DicomTools command that
    # retries, uses the old Polly's own types, and reports which copy each side got.
    $script:ChildScript = @'
$ErrorActionPreference = 'Stop'
$ALC = [System.Runtime.Loader.AssemblyLoadContext]

function Invoke-OldPollyRetry($Assembly) {
    $builder = [Activator]::CreateInstance($Assembly.GetType('Polly.ResiliencePipelineBuilder', $true))
    $options = [Activator]::CreateInstance($Assembly.GetType('Polly.Retry.RetryStrategyOptions', $true))
    $options.MaxRetryAttempts = 3
    $options.Delay = [TimeSpan]::Zero
    $extensions = $Assembly.GetType('Polly.RetryResiliencePipelineBuilderExtensions', $true)
    $null = $extensions.GetMethod('AddRetry', [type[]] @($builder.GetType(), $options.GetType())).Invoke($null, @($builder, $options))
    $script:calls = 0
    $builder.Build().Execute([Action] { $script:calls++; if ($script:calls -lt 3) { throw 'transient' } })
    return $script:calls
}

function Invoke-DicomToolsRetry {
    # The metadata endpoint answers 503 twice, then 200: the Engine's Polly pipeline must retry twice.
    Invoke-RestMethod -Method Post -Uri "$env:DT_LAB_URL/_admin/faults" -ContentType 'application/json' `
        -Body '{"endpoint":"metadata","mode":"status","statusCode":503,"count":2,"retryAfterSec":0}' | Out-Null
    $key = ConvertTo-SecureString $env:DT_MD_KEY -AsPlainText -Force
    $metadata = Get-SampleMetadata -SampleId 'ascii0001-chem' -Uri "$env:DT_LAB_URL/api/metadata" -ApiKey $key `
        -MaximumRetryCount 3 -RetryIntervalSec 0 -Verbose 4>&1
    $verbose = @($metadata | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
    $sample = @($metadata | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
    [pscustomobject]@{ PatientName = $sample[0].PatientName; RetryLines = @($verbose | Where-Object Message -Match 'retry|attempt').Count }
}

$report = [ordered]@{}
if ($env:DT_ORDER -eq 'PollyFirst') {
    $old = [Reflection.Assembly]::LoadFrom($env:DT_OLD_POLLY)
    Import-Module $env:DT_MODULE
    $report.Run = Invoke-DicomToolsRetry
    $report.OldPollyCalls = Invoke-OldPollyRetry $old
}
else {
    Import-Module $env:DT_MODULE
    $report.Run = Invoke-DicomToolsRetry
    $old = [Reflection.Assembly]::LoadFrom($env:DT_OLD_POLLY)
    $report.OldPollyCalls = Invoke-OldPollyRetry $old
    $report.SecondRun = Invoke-DicomToolsRetry
}
$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'DicomTools.Engine' }
$engineContext = $ALC::GetLoadContext($engine)
$enginePolly = @($engineContext.Assemblies | Where-Object { $_.GetName().Name -eq 'Polly.Core' })
$report.OldPollyContext = $ALC::GetLoadContext($old).Name
$report.OldPollyLocation = $old.Location
$report.EngineContextIsDefault = [object]::ReferenceEquals($engineContext, $ALC::Default)
$report.EngineContextType = $engineContext.GetType().FullName
$report.EnginePollyLocations = @($enginePolly.Location)
$report.EnginePollyVersion = if ($enginePolly) { (Get-Item $enginePolly[0].Location).VersionInfo.ProductVersion } else { $null }
$report.PollyCopies = @([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'Polly.Core' }).Count
$report.PrivateAssemblies = @($engineContext.Assemblies | ForEach-Object { $_.GetName().Name } | Sort-Object)
$moduleFolder = Split-Path -Parent $env:DT_MODULE
$report.DefaultContextModuleAssemblies = @($ALC::Default.Assemblies |
    Where-Object { -not $_.IsDynamic -and $_.Location -and $_.Location.StartsWith($moduleFolder) } | ForEach-Object { $_.GetName().Name })
Import-Module $env:DT_MODULE -Force
$report.CommandsAfterForcedReimport = @(Get-Command -Module DicomTools -CommandType Cmdlet).Count
$report.AliasesAfterForcedReimport = @(Get-Command -Module DicomTools -CommandType Alias | ForEach-Object Name)
Remove-Module DicomTools
Import-Module $env:DT_MODULE
$report.CommandsAfterRemoveAndImport = @(Get-Command -Module DicomTools -CommandType Cmdlet).Count
$report.AliasesAfterRemoveAndImport = @(Get-Command -Module DicomTools -CommandType Alias | ForEach-Object Name)
$report.ExportedCmdlets = @((Import-PowerShellDataFile $env:DT_MODULE).CmdletsToExport).Count
$report.CodecTypeResolves = [bool] ('DicomTools.Dicom.DicomTag' -as [type])
$report.EngineOutputTypesResolve = @('DicomTools.Engine.Upload.UploadResult', 'DicomTools.Engine.Upload.UploadStatus',
    'DicomTools.Engine.Metadata.SampleMetadata' | Where-Object { $_ -as [type] }).Count
'REPORT ' + ($report | ConvertTo-Json -Compress -Depth 4)
'@

    function Invoke-IsolationScenario([string] $Order) {
        $output = Invoke-ChildPwsh -Script $script:ChildScript -Environment @{
            DT_ORDER = $Order; DT_MODULE = $script:ModulePath; DT_OLD_POLLY = $script:OldPolly
            DT_LAB_URL = $script:Lab.Url; DT_MD_KEY = $script:Lab.Keys.MdKey
        }
        $line = $output | Where-Object { $_ -like 'REPORT *' } | Select-Object -Last 1
        if (-not $line) { throw "The child reported nothing:`n$($output -join "`n")" }
        return $line.Substring(7) | ConvertFrom-Json
    }
}

Describe 'Dependency isolation on PowerShell 7' -Tag 'Isolation' -Skip:(-not $script:HasRetryingCommand) {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'Support/TestServers.ps1')
        $script:Lab = Start-LabServer
    }
    AfterAll { if ($script:Lab) { Stop-LabServer $script:Lab } }

    Context 'an older Polly.Core is loaded before DicomTools' {
        BeforeAll { $script:Report = Invoke-IsolationScenario 'PollyFirst' }

        It 'still retries through its own Polly.Core' {
            $script:Report.Run.PatientName | Should -Be 'Tom^Cat'
            $script:Report.Run.RetryLines | Should -BeGreaterOrEqual 2
        }
        It 'loads the Engine and its Polly.Core 8.9.1 from core/ (or dependencies/) into a private load context' {
            $script:Report.EngineContextIsDefault | Should -BeFalse
            $script:Report.EngineContextType | Should -Be 'DicomTools.Loader.ModuleLoadContext'
            $script:Report.EnginePollyLocations | Should -HaveCount 1
            $script:Report.EnginePollyLocations[0] | Should -Be (Join-Path $script:DependencyFolder 'Polly.Core.dll')
            $script:Report.EnginePollyVersion | Should -BeLike '8.9.1*'
        }
        It 'loads the whole module into that context: cmdlets, codec, Engine and Microsoft.Extensions.Logging.Abstractions' {
            foreach ($name in 'DicomTools.Cmdlets', 'DicomTools.Dicom', 'DicomTools.Engine', 'Microsoft.Extensions.Logging.Abstractions', 'Polly.Core') {
                $script:Report.PrivateAssemblies | Should -Contain $name
            }
        }
        It 'leaves only the loader in the default context' {
            $script:Report.DefaultContextModuleAssemblies | Should -Be @('DicomTools.Loader')
        }
        It 'keeps the codec''s and the output types usable as type literals' {
            $script:Report.CodecTypeResolves | Should -BeTrue
            $script:Report.EngineOutputTypesResolve | Should -Be 3
        }
        It 'keeps every cmdlet after Import-Module -Force (PowerShell issue 20710)' {
            $script:Report.CommandsAfterForcedReimport | Should -Be $script:Report.ExportedCmdlets
            $script:Report.AliasesAfterForcedReimport | Should -Be @('Set-DicomTag')
        }
        It 'keeps every cmdlet after Remove-Module and Import-Module' {
            $script:Report.CommandsAfterRemoveAndImport | Should -Be $script:Report.ExportedCmdlets
            $script:Report.AliasesAfterRemoveAndImport | Should -Be @('Set-DicomTag')
        }
        It 'leaves the other Polly.Core in the default context, working' {
            $script:Report.OldPollyContext | Should -Be 'Default'
            $script:Report.OldPollyLocation | Should -Be $script:OldPolly
            $script:Report.OldPollyCalls | Should -Be 3
            $script:Report.PollyCopies | Should -Be 2
        }
    }

    It 'has a loader that references nothing but the framework and the host''s PowerShell' {
        # The loader sits in the default context: anything it referenced would be loaded there, shared with every
        # other module, which is what the private context exists to prevent. System.Management.Automation (for
        # IModuleAssemblyInitializer: the loader is the manifest's first nested module) is the host's own, loaded
        # there by PowerShell before any module.
        $stream = [IO.File]::OpenRead((Join-Path (Split-Path $script:ModulePath) 'DicomTools.Loader.dll'))
        try {
            $reader = [System.Reflection.Metadata.PEReaderExtensions]::GetMetadataReader([System.Reflection.PortableExecutable.PEReader]::new($stream))
            $references = foreach ($handle in $reader.AssemblyReferences) { $reader.GetString($reader.GetAssemblyReference($handle).Name) }
        }
        finally { $stream.Dispose() }
        $references | Where-Object { $_ -notin 'netstandard', 'System.Runtime.Loader', 'System.Management.Automation' } | Should -BeNullOrEmpty
    }

    Context 'an older Polly.Core is loaded after DicomTools' {
        BeforeAll { $script:Report = Invoke-IsolationScenario 'DicomToolsFirst' }

        It 'lets the other Polly.Core load into the default context and work' {
            $script:Report.OldPollyContext | Should -Be 'Default'
            $script:Report.OldPollyCalls | Should -Be 3
            $script:Report.PollyCopies | Should -Be 2
        }
        It 'keeps retrying through its own Polly.Core, before and after' {
            $script:Report.Run.PatientName | Should -Be 'Tom^Cat'
            $script:Report.SecondRun.PatientName | Should -Be 'Tom^Cat'
            $script:Report.SecondRun.RetryLines | Should -BeGreaterOrEqual 2
            $script:Report.EnginePollyLocations | Should -Be @((Join-Path $script:DependencyFolder 'Polly.Core.dll'))
        }
    }
}

# Issue 12: a fresh pwsh should run precompiled code, not JIT-compile the codec and the upload path on every start.
Describe 'The build each edition loads' -Tag 'Isolation' {
    BeforeAll {
        . (Join-Path $PSScriptRoot 'Support/TestServers.ps1')
        $script:ModuleFolder = Split-Path $script:ModulePath
        function Get-ReadyToRunMachine([string] $Path) {
            $stream = [IO.File]::OpenRead($Path)
            try {
                $headers = [System.Reflection.PortableExecutable.PEReader]::new($stream).PEHeaders
                if ($headers.CorHeader.ManagedNativeHeaderDirectory.Size -eq 0) { return $null }
                return [int] $headers.CoffHeader.Machine
            }
            finally { $stream.Dispose() }
        }
    }

    It 'ships the net10.0 build in core/ as ReadyToRun images for linux-x64' {
        # A ReadyToRun image marks its OS in the machine field (AMD64 0x8664 xor Linux 0x7B79); on another OS the
        # runtime ignores the precompiled code and JIT-compiles the IL, as it would without it.
        foreach ($name in 'DicomTools.Cmdlets', 'DicomTools.Dicom', 'DicomTools.Engine', 'Polly.Core') {
            Get-ReadyToRunMachine (Join-Path $script:ModuleFolder "core/$name.dll") | Should -Be (0x8664 -bxor 0x7B79) -Because "$name.dll is precompiled"
        }
    }

    It 'keeps the netstandard2.0 build for Windows PowerShell 5.1 as plain IL' {
        Get-ReadyToRunMachine (Join-Path $script:ModuleFolder 'dependencies/DicomTools.Cmdlets.dll') | Should -BeNullOrEmpty
        Get-ReadyToRunMachine (Join-Path $script:ModuleFolder 'dependencies/DicomTools.Engine.dll') | Should -BeNullOrEmpty
    }

    It 'loads the ReadyToRun build on PowerShell 7.6+ and runs its precompiled codec' -Skip:([Environment]::Version.Major -lt 10) {
        $file = Join-Path $TestDrive 'r2r.dcm'
        $null = New-TestDicomFile -Path $file -SopInstanceUid '1.2.826.0.1.3680043.2.1125.97.1'
        $output = Invoke-ChildPwsh -Script @"
Import-Module '$script:ModulePath' -ErrorAction Stop
(Get-Command Set-DicomTags).ImplementingType.Assembly.Location
[System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext([DicomTools.Dicom.DicomTag].Assembly).GetType().FullName
`$before = [System.Runtime.JitInfo]::GetCompiledMethodCount()
`$null = Get-DicomTag -LiteralPath '$file'
'JIT ' + ([System.Runtime.JitInfo]::GetCompiledMethodCount() - `$before)
"@
        $output[0] | Should -Be (Join-Path $script:ModuleFolder 'core/DicomTools.Cmdlets.dll')
        $output[1] | Should -Be 'DicomTools.Loader.ModuleLoadContext'
        # The first Get-DicomTag still JIT-compiles PowerShell's own binding, the cmdlet class and a few generic
        # instantiations: about 100 methods measured with the ReadyToRun build, 300-370 with the netstandard2.0 IL.
        [int] ($output[2] -replace '^JIT ') | Should -BeLessThan 200
    }

    It 'runs the precompiled code of the cmdlet classes too, not only of the codec' -Skip:([Environment]::Version.Major -lt 10 -or -not $IsLinux) {
        # crossgen2 compiles a cmdlet class only when it is given System.Management.Automation; without it, it skipped
        # every class deriving from PSCmdlet and the runtime JIT-compiled ~70 methods of ours on the first edit alone.
        # The JIT's own listing names every method it compiles: none of ours may be there, but for the loader (plain
        # netstandard2.0 IL, five small methods) and generic methods instantiated over another assembly's types,
        # which ReadyToRun cannot precompile outside that assembly.
        $file = Join-Path $TestDrive 'r2r-cmdlets.dcm'
        $null = New-TestDicomFile -Path $file -SopInstanceUid '1.2.826.0.1.3680043.2.1125.97.2'
        $listing = Join-Path $TestDrive 'jit.txt'
        # With the listing on, the .NET 10 runtime now and then crashes while the process exits, after the work: the
        # work is judged by its last line, not by the exit code.
        $output = try {
            Invoke-ChildPwsh -Environment @{ DOTNET_JitStdOutFile = $listing; DOTNET_JitDisasmSummary = '1' } -Script @"
Import-Module '$script:ModulePath' -ErrorAction Stop
`$null = Set-DicomTags -LiteralPath '$file' -Tag @{ PatientComments = 'precompiled' } -ErrorAction Stop
'EDITED'
"@
        }
        catch { "$_" }
        "$output" | Should -Match 'EDITED'
        $lines = @(Get-Content -LiteralPath $listing)
        $lines.Count | Should -BeGreaterThan 100 -Because 'the JIT wrote its listing'
        $ours = @($lines | Where-Object { $_ -match 'JIT compiled (DicomTools\.(Cmdlets|Dicom|Engine)\.[^:\[]+:[^\[(]+)\(' -and $_ -notmatch '\[(Tier1|OSR)' } |
            ForEach-Object { $Matches[1] })
        $ours | Should -BeNullOrEmpty -Because 'the ReadyToRun images carry these methods'
    }
}
