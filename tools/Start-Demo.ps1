<#
.SYNOPSIS
    The README's main command: the whole flow of one sample against the local reference lab server.
.DESCRIPTION
    Called by `build.ps1 -Task Demo` after the build. Generates a handful of realistic DICOM images (our codec,
    through tools/DicomTools.SampleData) in a temporary folder, starts the reference lab server, runs
    Invoke-SampleUpload against it (progress and the log shown live), prints the run summary, the log file and
    what the server received (PatientIDs, and the tags read back with Get-DicomTag), then stops the server and
    removes the temporary folder. Nothing is left running, whatever happens.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $RepoRoot,
    [string] $Configuration = 'Release',
    [ValidateRange(1, 200)] [int] $Count = 6,
    [string] $SampleId = 'ref0000022tes-cbc'
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

# A child pwsh runs the module, so the build's own process never loads (and locks) its DLLs.
$work = Join-Path ([System.IO.Path]::GetTempPath()) ('dicomtools-demo-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
$null = New-Item -ItemType Directory -Path $work
$images = Join-Path $work 'data'

function Write-Step([string] $Text) { Write-Host "`n==> $Text" -ForegroundColor Cyan }

$env:DICOMTOOLS_REPO_ROOT = $RepoRoot
. (Join-Path $RepoRoot 'tests/Pester/Support/TestServers.ps1')
. (Join-Path $RepoRoot 'tools/ChildPwsh.ps1')

$server = $null
$watch = [System.Diagnostics.Stopwatch]::StartNew()
try {
    Write-Step "Generating $Count sample images in $images"
    $generator = Join-Path $RepoRoot "tools/DicomTools.SampleData/bin/$Configuration/net10.0/DicomTools.SampleData.dll"
    if (-not (Test-Path -LiteralPath $generator)) { throw "The sample generator is not built: $generator" }
    & (Get-DotnetPath) $generator --out $images --count $Count --rows 256 --cols 256 --layout series --per-series 3 --seed 22
    if ($LASTEXITCODE -ne 0) { throw "The sample generator failed (exit $LASTEXITCODE)." }
    Get-ChildItem -LiteralPath $images -Recurse -File -Filter *.dcm |
        ForEach-Object { '    {0}  ({1:N0} bytes)' -f $_.FullName.Substring($images.Length + 1), $_.Length } | Write-Host

    Write-Step 'Starting the reference lab server'
    $server = Start-LabServer -Configuration $Configuration
    Write-Host "    $($server.Url) (ready in $($server.StartupMs) ms)"

    Write-Step "Invoke-SampleUpload -SampleId $SampleId -Directory $images -Verbose"
    # The settings as an admin would give them: environment variables (a .env file works the same way).
    $child = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$($ModulePath.Replace("'", "''"))'
Set-Location -LiteralPath '$($work.Replace("'", "''"))'
`$env:MD_URL = '$($server.Url)/api/metadata';   `$env:MD_KEY = '$($server.Keys.MdKey)'
`$env:U_URL  = '$($server.Url)/api/upload';     `$env:U_KEY  = '$($server.Keys.UploadKey)'
`$env:A_URL  = '$($server.Url)/api/analytics';  `$env:A_KEY  = '$($server.Keys.AnalyticsKey)'
`$env:LOG_URL = '$($server.Url)/api/logs';      `$env:LOG_KEY = '$($server.Keys.LogKey)'
`$summary = Invoke-SampleUpload -SampleId '$SampleId' -AttemptNumber 1 -Directory ./data -Verbose
`$summary | Out-String -Width 200 | Write-Host
Write-Host "==> The log file (`$(`$summary.LogPath))" -ForegroundColor Cyan
Get-Content -LiteralPath `$summary.LogPath | Out-Host
`$files = @(Get-ChildItem ./data -Recurse -Filter *.dcm)
`$shown = [Math]::Min(3, `$files.Count)
Write-Host "``n==> Tags of the uploaded files, read back with Get-DicomTag (the first `$shown of `$(`$files.Count) files)" -ForegroundColor Cyan
`$files | Select-Object -First `$shown |
    Get-DicomTag -Tag PatientID, PatientName, PatientSpeciesDescription, InstitutionName, BarcodeValue |
    Format-Table Name, Keyword, Value -AutoSize | Out-String -Width 200 | Write-Host
"@
    $pwsh = Get-ChildPwshCommand
    $exe = $pwsh[0]; $exeArgs = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-Command', $child)
    & $exe @exeArgs
    if ($LASTEXITCODE -ne 0) { throw "Invoke-SampleUpload failed (exit $LASTEXITCODE)." }

    Write-Step 'What the lab server received'
    Get-LabInstance $server | Sort-Object SOPInstanceUID |
        Format-Table PatientID, SOPInstanceUID, Bytes, Via -AutoSize | Out-String -Width 200 | Write-Host
    Get-LabJournal $server | Group-Object Endpoint |
        Format-Table @{ n = 'API'; e = { $_.Name } }, @{ n = 'Requests'; e = { $_.Count } },
        @{ n = 'Answers'; e = { ($_.Group.StatusCode | Sort-Object -Unique) -join ',' } } -AutoSize | Out-String -Width 200 | Write-Host
    $analytics = @(Get-LabJournal $server -Endpoint analytics)
    foreach ($call in $analytics) { Write-Host "    analytics called with $($call.Query)" }
    Write-Host ("`nDemo finished in {0:N1} s." -f $watch.Elapsed.TotalSeconds) -ForegroundColor Green
}
finally {
    if ($server) { Stop-LabServer $server; Write-Host '    lab server stopped' }
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
}
