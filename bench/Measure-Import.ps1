#Requires -Version 7.2
<#
.SYNOPSIS
    Measures what DicomTools costs a fresh pwsh, beside an honest floor: a minimal binary module doing the same steps.
.DESCRIPTION
    Each sample is a whole process, timed from outside (start-up, import, work, exit), the way a scheduled task pays for
    it. All series alternate round by round, so a machine that gets busier or quieter during the run shifts them alike.

    The series:
      pwsh -c exit                 the baseline: PowerShell starting and stopping.
      <module> import              Import-Module of DicomTools, and of the floor module.
      <module> import+edit+upload  the issue 12 scenario: import, the first Set-DicomTags on one 0.5 MB file (a real
                                   edit: a new value each time) and the first Send-DicomFile of it to a private Orthanc
                                   on loopback (storage on tmpfs); for the floor, its two cmdlets doing the same steps.
      DicomTools Get-Command -Syntax  import, then PowerShell reflecting over every cmdlet's parameters (what Tab
                                   completion does on first use).

    The floor is built here, at bench time, into the bench work folder (never committed): a binary module of two trivial
    cmdlets compiled against the same PowerShellStandard.Library. Set-FloorFile binds -Path/-LiteralPath and pipeline
    input, resolves the path through the provider, asks ShouldProcess, rewrites the file (temp file beside it, fsync,
    rename) and writes an object; Send-FloorFile POSTs the file with HttpClient to the same Orthanc with the same
    credential and writes an object. What the floor costs over `pwsh -c exit` is PowerShell's part on this pwsh (a
    binary module's import, cmdlet binding, ConvertTo-SecureString's module, the first HttpClient); what DicomTools costs
    over the floor is ours.

    Printed: median, 10th and 90th percentile per series, each over the baseline, and the two differences (floor -
    baseline = PowerShell's; DicomTools - floor = ours). Then, from two more processes per step and module with the JIT's
    method listing (DOTNET_JitStdOutFile, DOTNET_JitDisasmSummary=1; what both compiled), the methods JIT-compiled by each step (import, +
    first edit, + first upload) that the step before had not compiled, by whose code they are: the module's own (for
    DicomTools: its assemblies, and framework generics instantiated over its types), Polly's, PowerShell's, the rest of
    .NET's. Tier-1 recompilations are not counted: they are the runtime optimising hot code in the background.
    And the CPU seconds of one whole process per series. JIT counts and CPU seconds hold on a busy machine; wall
    times do not: compare the medians only on a quiet one.

    -PrecompiledPwsh adds the scenario on a ReadyToRun-compiled copy of the pinned pwsh (built here with crossgen2 from
    the NuGet cache into the work folder, never committed). The pinned pwsh (the 'powershell' dotnet tool) ships
    System.Management.Automation and the other PowerShell assemblies as IL only, so every PowerShell method our commands
    reach is JIT-compiled; PowerShell's installers ship them precompiled. The extra rows show what an installed
    PowerShell would pay, labelled as a locally precompiled pwsh.
.EXAMPLE
    dotnet pwsh ./bench/Measure-Import.ps1
.EXAMPLE
    dotnet pwsh ./bench/Measure-Import.ps1 -Count 20 -PrecompiledPwsh
#>
[CmdletBinding()]
param(
    # The built module's manifest; default: the one build.ps1 assembled under out/.
    [string] $ModulePath,
    # Processes per series.
    [ValidateRange(3, 1000)]
    [int] $Count = 10,
    # Without Orthanc (or to save its start): only the import series.
    [switch] $SkipUpload,
    # Also measure on a ReadyToRun-compiled copy of the pinned pwsh (compiled here; takes a few minutes of CPU).
    [switch] $PrecompiledPwsh,
    [string] $Configuration = 'Release'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$repoRoot = Split-Path $PSScriptRoot
. (Join-Path $PSScriptRoot 'BenchSupport.ps1')
$build = Get-BenchBuild $repoRoot $Configuration
if (-not $ModulePath) { $ModulePath = $build.ModulePath }
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
$pwsh = Get-ChildPwshCommand

$workFolder = Join-Path $(if (Test-Path /dev/shm) { '/dev/shm' } else { [IO.Path]::GetTempPath() }) "dicomtools-bench-import-$PID"
$null = New-Item -ItemType Directory -Force $workFolder

# ------------------------------------------------------------------------------------------------ the floor module

function New-FloorModule([string] $Folder) {
    [xml] $packages = Get-Content -Raw (Join-Path $repoRoot 'Directory.Packages.props')
    $standard = @($packages.Project.ItemGroup.PackageVersion | Where-Object { $_ -and $_.Include -eq 'PowerShellStandard.Library' })[0].Version
    $source = Join-Path $Folder 'src'
    $null = New-Item -ItemType Directory -Force $source
    Set-Content -LiteralPath (Join-Path $source 'StartupFloor.csproj') -Encoding utf8 -Value @"
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>disable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="PowerShellStandard.Library" Version="$standard" PrivateAssets="all" ExcludeAssets="runtime" />
  </ItemGroup>
</Project>
"@
    Set-Content -LiteralPath (Join-Path $source 'StartupFloor.cs') -Encoding utf8 -Value @'
using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;

namespace StartupFloor
{
    public sealed class FloorEditResult { public string Path { get; set; } = ""; public long Bytes { get; set; } public bool Changed { get; set; } }
    public sealed class FloorSendResult { public string Path { get; set; } = ""; public int StatusCode { get; set; } public string Status { get; set; } = ""; }

    [Cmdlet(VerbsCommon.Set, "FloorFile", DefaultParameterSetName = "Path", SupportsShouldProcess = true)]
    [OutputType(typeof(FloorEditResult))]
    public sealed class SetFloorFileCommand : PSCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "Path")]
        public string[] Path { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = "LiteralPath")]
        [Alias("PSPath", "LP")]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true)]
        public Hashtable Tag { get; set; } = new Hashtable();

        protected override void ProcessRecord()
        {
            var literal = ParameterSetName == "LiteralPath";
            foreach (var given in literal ? LiteralPath : Path)
            {
                IEnumerable<string> files = literal
                    ? new[] { SessionState.Path.GetUnresolvedProviderPathFromPSPath(given) }
                    : GetResolvedProviderPathFromPSPath(given, out _);
                foreach (var file in files)
                {
                    if (!ShouldProcess(file, "Rewrite")) continue;
                    // The steps of a durable edit: read, write a temp file beside it, flush it to disk, rename it over.
                    var bytes = File.ReadAllBytes(file);
                    var temp = file + ".floor.tmp";
                    using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
                    {
                        stream.Write(bytes, 0, bytes.Length);
                        stream.Flush(true);
                    }
                    File.Move(temp, file, true);
                    WriteObject(new FloorEditResult { Path = file, Bytes = bytes.Length, Changed = Tag.Count > 0 });
                }
            }
        }
    }

    [Cmdlet(VerbsCommunications.Send, "FloorFile")]
    [OutputType(typeof(FloorSendResult))]
    public sealed class SendFloorFileCommand : PSCmdlet
    {
        private static readonly HttpClient Client = new HttpClient();

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PSPath", "LP")]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        [Parameter(Mandatory = true)]
        public Uri Uri { get; set; } = null!;

        [Parameter]
        public PSCredential? Credential { get; set; }

        protected override void ProcessRecord()
        {
            foreach (var given in LiteralPath)
            {
                var file = SessionState.Path.GetUnresolvedProviderPathFromPSPath(given);
                using var request = new HttpRequestMessage(HttpMethod.Post, Uri);
                if (Credential != null)
                {
                    var pair = Credential.UserName + ":" + Credential.GetNetworkCredential().Password;
                    request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(pair)));
                }
                using var body = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
                request.Content = new StreamContent(body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/dicom");
                using var response = Client.SendAsync(request).GetAwaiter().GetResult();
                WriteObject(new FloorSendResult { Path = file, StatusCode = (int)response.StatusCode, Status = response.IsSuccessStatusCode ? "Stored" : "Failed" });
            }
        }
    }
}
'@
    $output = Join-Path $Folder 'module'
    & dotnet build (Join-Path $source 'StartupFloor.csproj') -c Release -o $output -nologo -v quiet -clp:ErrorsOnly | Out-Host
    if ($LASTEXITCODE) { throw 'Building the floor module failed.' }
    $manifest = Join-Path $output 'StartupFloor.psd1'
    Set-Content -LiteralPath $manifest -Encoding utf8 -Value @"
@{
    RootModule        = 'StartupFloor.dll'
    ModuleVersion     = '1.0.0'
    GUID              = '0b6a3f1e-2c47-4c1b-9d58-7f3e0f9a1c20'
    CmdletsToExport   = @('Set-FloorFile', 'Send-FloorFile')
    FunctionsToExport = @()
    AliasesToExport   = @()
    VariablesToExport = @()
}
"@
    $manifest
}

# ------------------------------------------------------------------------------------------------ a precompiled pwsh

# A copy of the pinned pwsh whose IL-only assemblies are compiled ReadyToRun by crossgen2 (the package our own
# ReadyToRun build restores), as PowerShell's installers ship them. Returns the command line to start it, or $null.
function New-PrecompiledPwsh([string] $Folder) {
    $runtime = [Environment]::Version.ToString(3)
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $crossgen = Join-Path $packages "microsoft.netcore.app.crossgen2.linux-x64/$runtime/tools/crossgen2"
    if (-not $IsLinux -or -not (Test-Path $crossgen)) {
        Write-Warning "No crossgen2 for .NET $runtime at $crossgen (build the module first: its ReadyToRun publish restores it); skipping the precompiled pwsh."
        return $null
    }
    $framework = Split-Path ([object].Assembly.Location)
    $null = New-Item -ItemType Directory -Force $Folder
    Copy-Item -Recurse -Path (Join-Path $PSHOME '*') -Destination $Folder
    # Roslyn (Microsoft.CodeAnalysis*, Add-Type's compiler) is left as IL: nothing measured here loads it, and it alone
    # would take crossgen2 longer than all the rest.
    $assemblies = Get-ChildItem -LiteralPath $PSHOME -Filter *.dll | Where-Object Name -NotLike 'Microsoft.CodeAnalysis*' | Where-Object {
        $stream = [IO.File]::OpenRead($_.FullName)
        try {
            $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
            $pe.HasMetadata -and $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -eq 0
        } finally { $stream.Dispose() }
    }
    Write-Host "Precompiling $(@($assemblies).Count) assemblies of $PSHOME with crossgen2 (ReadyToRun)..."
    foreach ($assembly in $assemblies) {
        $target = Join-Path $Folder $assembly.Name
        & $crossgen $assembly.FullName -o $target --targetos linux --targetarch x64 -O -r "$framework/*.dll" -r "$PSHOME/*.dll" 2>&1 |
            Where-Object { "$_" -match 'error' } | Out-Host
        # An assembly crossgen2 cannot compile stays as it was (IL), as the runtime would run it anyway.
        if ($LASTEXITCODE -or -not (Test-Path $target)) { Copy-Item -LiteralPath $assembly.FullName -Destination $target -Force }
    }
    @((Get-ChildPwshCommand)[0], (Join-Path $Folder 'pwsh.dll'))
}

# ------------------------------------------------------------------------------------------------ the series

# Everything from here on runs under the finally below, which stops Orthanc and removes the work folder.
$orthanc = $null
try {
$floorPath = New-FloorModule (Join-Path $workFolder 'floor')
$modules = [ordered]@{
    DicomTools = @{ Manifest = $ModulePath; Edit = 'Set-DicomTags'; Send = 'Send-DicomFile'; Own = '^DicomTools\.' }
    Floor      = @{ Manifest = $floorPath; Edit = 'Set-FloorFile'; Send = 'Send-FloorFile'; Own = '^StartupFloor\.' }
}

$sampleFile = $null
$uploadUrl = $null
if (-not $SkipUpload) {
    . (Join-Path $repoRoot 'tests/Pester/Support/TestServers.ps1')
    & dotnet $build.SampleData --out $workFolder --count 1 --bytes-per-file 500000 --seed 2026 | Out-Null
    if ($LASTEXITCODE) { throw 'sample generation failed' }
    $sampleFile = (Get-ChildItem -LiteralPath $workFolder -Filter *.dcm | Select-Object -First 1).FullName
    $orthanc = Start-TestOrthanc -StorageRoot $workFolder
    $uploadUrl = "$($orthanc.Url)/instances"
    # The password reaches the children through the environment, never a command line.
    $env:BENCH_ORTHANC_USER = $orthanc.Credential.UserName
    $env:BENCH_ORTHANC_PASSWORD = $orthanc.Credential.GetNetworkCredential().Password
}

# The command line of each step of the scenario, cumulative: import; + the first edit; + the first upload. Each module
# edits and uploads its own copy of the sample, so the floor's rewrite never changes what DicomTools edits.
function Get-StepCommand([hashtable] $Module, [int] $Step, [string] $File) {
    $parts = @("Import-Module '$($Module.Manifest)'")
    if ($Step -ge 2) {
        $parts += "`$null = $($Module.Edit) -LiteralPath '$File' -Tag @{ PatientComments = 'run ' + `$PID } -ErrorAction Stop"
    }
    if ($Step -ge 3) {
        $parts += "`$credential = [pscredential]::new(`$env:BENCH_ORTHANC_USER, (ConvertTo-SecureString `$env:BENCH_ORTHANC_PASSWORD -AsPlainText -Force))"
        $parts += "`$result = $($Module.Send) -LiteralPath '$File' -Uri '$uploadUrl' -Credential `$credential -ErrorAction Stop"
        $parts += "if (`$result.Status -notin 'Stored', 'AlreadyStored') { exit 3 }"
    }
    ($parts + 'exit') -join '; '
}

$lastStep = if ($SkipUpload) { 1 } else { 3 }
foreach ($name in $modules.Keys) {
    $module = $modules[$name]
    $module.File = $null
    if ($sampleFile) {
        $module.File = Join-Path $workFolder "$name.dcm"
        Copy-Item -LiteralPath $sampleFile -Destination $module.File
    }
    $module.Steps = @(for ($step = 1; $step -le $lastStep; $step++) { Get-StepCommand $module $step $module.File })
}

$baselineName = 'pwsh -c exit (baseline)'
$series = [ordered]@{ $baselineName = @{ Pwsh = $pwsh; Command = 'exit' } }
foreach ($name in $modules.Keys) { $series["$name import"] = @{ Pwsh = $pwsh; Command = $modules[$name].Steps[0] } }
if (-not $SkipUpload) {
    foreach ($name in $modules.Keys) { $series["$name import+edit+upload"] = @{ Pwsh = $pwsh; Command = $modules[$name].Steps[2] } }
}
$series['DicomTools Get-Command -Syntax'] = @{ Pwsh = $pwsh; Command = "Import-Module '$ModulePath'; `$null = Get-Command -Module DicomTools -Syntax; exit" }

$precompiled = $null
if ($PrecompiledPwsh) {
    $precompiled = New-PrecompiledPwsh (Join-Path $workFolder 'pwsh-r2r')
    if ($precompiled) {
        $series["[locally precompiled pwsh] $baselineName"] = @{ Pwsh = $precompiled; Command = 'exit' }
        foreach ($name in $modules.Keys) {
            $last = $modules[$name].Steps[-1]
            $label = if ($SkipUpload) { 'import' } else { 'import+edit+upload' }
            $series["[locally precompiled pwsh] $name $label"] = @{ Pwsh = $precompiled; Command = $last }
        }
    }
}

function Invoke-Child([string[]] $Pwsh, [string] $Command) {
    $arguments = @($Pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $Command)
    & $Pwsh[0] @arguments
}

function Measure-Process([hashtable] $Entry) {
    $clock = [System.Diagnostics.Stopwatch]::StartNew()
    $null = Invoke-Child $Entry.Pwsh $Entry.Command
    $clock.Stop()
    if ($LASTEXITCODE -ne 0) { throw "'$($Entry.Command)' exited with $LASTEXITCODE" }
    return $clock.Elapsed.TotalSeconds
}

function Get-Percentile([double[]] $Values, [double] $Fraction) {
    $sorted = $Values | Sort-Object
    $rank = $Fraction * ($sorted.Count - 1)
    $low = [math]::Floor($rank); $high = [math]::Ceiling($rank)
    return $sorted[$low] + ($sorted[$high] - $sorted[$low]) * ($rank - $low)
}

# CPU seconds of the whole process (children included), from GNU time when there is one.
function Measure-ProcessCpu([hashtable] $Entry) {
    if (-not (Test-Path /usr/bin/time)) { return [double]::NaN }
    $arguments = @($Entry.Pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $Entry.Command)
    (Measure-BenchProcess $Entry.Pwsh[0] $arguments).CpuSeconds
}

# The methods one process JIT-compiled first (Tier-0, instrumented or fully optimised at once), from the JIT's listing.
function Get-JitListing([string[]] $Pwsh, [string] $Command) {
    $listing = Join-Path $workFolder ("jit-" + [guid]::NewGuid().ToString('N') + '.txt')
    $env:DOTNET_JitStdOutFile = $listing
    $env:DOTNET_JitDisasmSummary = '1'
    try { $null = Invoke-Child $Pwsh $Command }
    finally { $env:DOTNET_JitStdOutFile = $null; $env:DOTNET_JitDisasmSummary = $null }
    if (-not (Test-Path $listing)) { throw "No JIT listing from '$Command' (does this runtime support DOTNET_JitStdOutFile?)" }
    $methods = [System.Collections.Generic.HashSet[string]]::new([StringComparer]::Ordinal)
    foreach ($line in [IO.File]::ReadLines($listing)) {
        if ($line -match '^\s*\d+: JIT compiled (.+) \[([^,\]]+)' -and $Matches[2] -notmatch 'Tier1|OSR') { $null = $methods.Add($Matches[1]) }
    }
    Remove-Item -LiteralPath $listing
    , $methods
}

# The methods two processes of the same command both JIT-compiled. pwsh does some work on background threads (seen:
# a few hundred methods of script compilation and formatting) that a short process may or may not reach before it
# exits; one listing alone swung a step's count by several hundred between runs, the common part by a few.
function Get-StableJitListing([string[]] $Pwsh, [string] $Command) {
    $methods = Get-JitListing $Pwsh $Command
    $methods.IntersectWith((Get-JitListing $Pwsh $Command))
    , $methods
}

# Whose code a JIT-compiled method is: its declaring type's, or else the first generic argument that names one of ours.
function Get-MethodOwner([string] $Method, [string] $Own) {
    $type = $Method.Split(':')[0]
    if ($type -match $Own) { return 'Module' }
    if ($type -match '^Polly\.') { return 'Polly' }
    if ($type -match '^(System\.Management\.Automation|Microsoft\.PowerShell|Microsoft\.Management)\.') { return 'PowerShell' }
    if ($Method -match ($Own.TrimStart('^'))) { return 'Module' }
    if ($Method -match 'Polly\.') { return 'Polly' }
    if ($Method -match 'System\.Management\.Automation\.|Microsoft\.PowerShell\.') { return 'PowerShell' }
    'BCL'
}

    # One warm-up each: the first start of a process pays for disk caches (and PowerShell's module analysis cache) that
    # later ones do not.
    foreach ($entry in $series.Values) { $null = Measure-Process $entry }

    $samples = @{}
    foreach ($name in $series.Keys) { $samples[$name] = [System.Collections.Generic.List[double]]::new() }
    for ($i = 1; $i -le $Count; $i++) {
        Write-Progress -Activity 'Measure-Import' -Status "round $i of $Count" -PercentComplete (100 * ($i - 1) / $Count)
        foreach ($name in $series.Keys) { $samples[$name].Add((Measure-Process $series[$name])) }
    }
    Write-Progress -Activity 'Measure-Import' -Completed

    $cpu = @{}
    foreach ($name in $series.Keys) { $cpu[$name] = Measure-ProcessCpu $series[$name] }

    # JIT listings: the baseline, then each module's steps; a step's methods are those the step before had not compiled.
    $stepNames = @('import', '+ first edit', '+ first upload')
    $runtimes = [ordered]@{ 'pinned pwsh' = $pwsh }
    if ($precompiled) { $runtimes['locally precompiled pwsh'] = $precompiled }
    $baseCounts = [ordered]@{}
    $jitRows = foreach ($runtime in $runtimes.Keys) {
        $baseMethods = Get-StableJitListing $runtimes[$runtime] 'exit'
        $baseCounts[$runtime] = $baseMethods.Count
        foreach ($name in $modules.Keys) {
            $module = $modules[$name]
            $previous = $baseMethods
            for ($step = 0; $step -lt $module.Steps.Count; $step++) {
                $methods = Get-StableJitListing $runtimes[$runtime] $module.Steps[$step]
                $counts = [ordered]@{ Module = 0; Polly = 0; PowerShell = 0; BCL = 0 }
                foreach ($method in $methods) {
                    if (-not $previous.Contains($method)) { $counts[(Get-MethodOwner $method $module.Own)]++ }
                }
                [pscustomobject]@{
                    Pwsh            = $runtime
                    Module          = $name
                    Step            = $stepNames[$step]
                    "Module's"      = $counts.Module
                    Polly           = $counts.Polly
                    PowerShell      = $counts.PowerShell
                    '.NET (BCL)'    = $counts.BCL
                    Total           = $counts.Module + $counts.Polly + $counts.PowerShell + $counts.BCL
                    'Process total' = $methods.Count
                }
                $previous = $methods
            }
        }
    }
}
finally {
    $env:BENCH_ORTHANC_PASSWORD = $null
    $env:BENCH_ORTHANC_USER = $null
    if ($orthanc) { Stop-TestOrthanc $orthanc }
    if (Test-Path $workFolder) { Remove-Item -Recurse -Force $workFolder }
}

$median = @{}
foreach ($name in $series.Keys) { $median[$name] = Get-Percentile $samples[$name].ToArray() 0.5 }
$rows = foreach ($name in $series.Keys) {
    $values = $samples[$name].ToArray()
    $base = if ($name -like '`[locally precompiled pwsh`]*') { $median["[locally precompiled pwsh] $baselineName"] } else { $median[$baselineName] }
    [pscustomobject]@{
        Series              = $name
        'Median (s)'        = [math]::Round($median[$name], 3)
        'P10 (s)'           = [math]::Round((Get-Percentile $values 0.1), 3)
        'P90 (s)'           = [math]::Round((Get-Percentile $values 0.9), 3)
        'Over baseline (s)' = [math]::Round($median[$name] - $base, 3)
        'CPU (s)'           = [math]::Round($cpu[$name], 3)
    }
}

"DicomTools start-up: $Count fresh processes per series, pwsh $($PSVersionTable.PSVersion) ($pwsh), $([Environment]::ProcessorCount) cores, $(Get-Date -Format 'yyyy-MM-dd HH:mm')"
$rows | Format-Table -AutoSize | Out-String -Width 220
"Methods JIT-compiled per step beyond the step before (the first row of each module: beyond 'pwsh -c exit', which compiles $(($baseCounts.Keys | ForEach-Object { "$($baseCounts[$_]) on the $_" }) -join ', ')):"
$jitRows | Format-Table -AutoSize | Out-String -Width 220

function Write-Split([string] $Label, [string] $Prefix, [string] $Suffix) {
    $base = $median["$Prefix$baselineName"]
    $ours = $median["${Prefix}DicomTools $Suffix"]
    $floor = $median["${Prefix}Floor $Suffix"]
    if ($null -eq $ours -or $null -eq $floor) { return }
    "{0}: DicomTools {1:N3} s over pwsh -c exit = floor (PowerShell's part) {2:N3} s + ours {3:N3} s." -f $Label, ($ours - $base), ($floor - $base), ($ours - $floor)
}
Write-Split 'Import' '' 'import'
if (-not $SkipUpload) {
    Write-Split 'Import + first edit + first upload (goal: DicomTools at most 0.25 s over pwsh -c exit)' '' 'import+edit+upload'
    if ($precompiled) { Write-Split '[locally precompiled pwsh] import + first edit + first upload' '[locally precompiled pwsh] ' 'import+edit+upload' }
}
elseif ($precompiled) { Write-Split '[locally precompiled pwsh] import' '[locally precompiled pwsh] ' 'import' }
