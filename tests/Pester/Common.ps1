# Dot-sourced by every *.Tests.ps1 (in BeforeAll): where things are, and how a test that needs a real
# peer (dcmtk, Orthanc) decides between skipping and failing.
$script:ModulePath = $env:DICOMTOOLS_MODULE_PATH
$script:RepoRoot = $env:DICOMTOOLS_REPO_ROOT
$script:InCi = $env:CI -eq 'true'

function Test-ExternalTool([string] $Name) {
    [bool] (Get-Command $Name -CommandType Application -ErrorAction Ignore)
}

# True when a test needing $Name must be skipped: only outside CI, where a missing peer is allowed.
function Test-SkipWithout([string] $Name) {
    -not (Test-ExternalTool $Name) -and -not $script:InCi
}
