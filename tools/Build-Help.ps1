#Requires -Version 7.2
<#
.SYNOPSIS
    Turns the readable help sources in docs/en-US into the help PowerShell reads: the MAML file of the
    cmdlets (DicomTools.Cmdlets.dll-Help.xml) and the about topic (about_DicomTools.help.txt).
.DESCRIPTION
    Imports the assembled module (run it in a child pwsh: the import loads the module's DLLs) and takes every
    fact that the code already knows from the cmdlets themselves: parameter sets, types, positions, aliases,
    mandatory, pipeline input, wildcards. The markdown supplies what only a person can write: synopsis,
    description, the text of every parameter, examples, inputs, outputs, notes, links.

    It fails, naming each gap, when a cmdlet of the built DLL has no help file, lacks a synopsis, a description
    or two examples, leaves a parameter undescribed, or describes a parameter the cmdlet does not have; and when
    the manifest's CmdletsToExport and the DLL disagree. A cmdlet the manifest lists but the DLL does not have
    yet (its branch is not merged) is a warning, so the build keeps working while the module grows.

    Markdown format (docs/en-US/<Verb-Noun>.md), like platyPS's:
        # Verb-Noun
        ## SYNOPSIS / ## DESCRIPTION          paragraphs
        ## EXAMPLES      ### Example 1: title, a ```powershell block, then remarks
        ## PARAMETERS    ### -Name, paragraphs, optionally a ```yaml block with "Default value: x"
        ## INPUTS / ## OUTPUTS                ### TypeName, then paragraphs
        ## NOTES         paragraphs
        ## RELATED LINKS - [text](uri) lines

    Parameters that several cmdlets share (the HTTP ones) are written once, in a file named by the page's front
    matter, "shared-parameters: _shared/http-parameters.md"; its {{key}} placeholders take the page's other
    front-matter values (e.g. "url-variable: MD_URL"). A parameter the page describes itself wins.
.EXAMPLE
    pwsh -NoProfile -File tools/Build-Help.ps1 -ModulePath out/DicomTools/0.1.0/DicomTools.psd1 -DocsPath docs/en-US -OutputPath out/help/en-US
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $OutputPath,
    # Report gaps as warnings instead of failing (for a local build mid-merge; CI never sets it).
    [switch] $AllowIncomplete
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$CommonParameters = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters |
    Where-Object { $_ -notin 'WhatIf', 'Confirm' }
# WhatIf and Confirm mean the same on every cmdlet; a page may still say more about them.
$StandardParameterText = @{
    WhatIf  = 'Shows what would happen if the cmdlet runs. The cmdlet is not run: no file is changed and nothing is sent.'
    Confirm = 'Prompts you for confirmation before each file is changed or sent.'
}

#region markdown
function ConvertFrom-HelpMarkdown([string] $Path) {
    $doc = [ordered]@{ Name = $null; Synopsis = ''; Description = ''; Examples = [System.Collections.Generic.List[object]]::new()
        Parameters = [ordered]@{}; Inputs = [System.Collections.Generic.List[object]]::new(); Outputs = [System.Collections.Generic.List[object]]::new()
        Notes = ''; Links = [System.Collections.Generic.List[object]]::new(); FrontMatter = @{} }
    $section = $null; $current = $null; $inFence = $false; $fenceLang = ''; $fence = $null; $text = $null
    $lines = (Get-Content -LiteralPath $Path -Raw) -split "`r?`n"
    # Front matter (--- ... ---): "key: value" lines; shared-parameters and its placeholders are read here.
    $frontMatter = @{}
    $i = 0
    if ($lines[0] -eq '---') {
        $i = 1
        while ($i -lt $lines.Count -and $lines[$i] -ne '---') {
            if ($lines[$i] -match '^(?<k>[\w-]+):\s*(?<v>.*)$') { $frontMatter[$Matches.k] = $Matches.v.Trim() }
            $i++
        }
        $i++
    }
    $doc.FrontMatter = $frontMatter
    $sectionText = [System.Text.StringBuilder]::new()
    $flush = {
        $value = $sectionText.ToString().Trim()
        $null = $sectionText.Clear()
        switch ($section) {
            'SYNOPSIS' { $doc.Synopsis = $value }
            'DESCRIPTION' { $doc.Description = $value }
            'NOTES' { $doc.Notes = $value }
            'RELATED LINKS' {
                foreach ($m in [regex]::Matches($value, '\[(?<text>[^\]]+)\]\((?<uri>[^)]*)\)')) {
                    $doc.Links.Add([pscustomobject]@{ Text = $m.Groups['text'].Value; Uri = $m.Groups['uri'].Value })
                }
            }
            default { if ($null -ne $current) { $current.Text = $value } }
        }
    }
    for (; $i -lt $lines.Count; $i++) {
        $line = $lines[$i]
        if ($inFence) {
            if ($line -match '^```\s*$') {
                $inFence = $false
                $code = $fence -join "`n"
                if ($section -eq 'EXAMPLES' -and $null -ne $current -and -not $current.Code) { $current.Code = $code }
                elseif ($section -eq 'PARAMETERS' -and $fenceLang -eq 'yaml' -and $null -ne $current) {
                    foreach ($kv in $fence) { if ($kv -match '^\s*(?<k>[^:]+):\s*(?<v>.*)$') { $current.Meta[$Matches.k.Trim()] = $Matches.v.Trim() } }
                }
                else { $null = $sectionText.AppendLine('```').AppendLine($code).AppendLine('```') }
            }
            else { $fence.Add($line) }
            continue
        }
        if ($line -match '^```(?<lang>\w*)\s*$') { $inFence = $true; $fenceLang = $Matches.lang; $fence = [System.Collections.Generic.List[string]]::new(); continue }
        if ($line -match '^# (?<name>\S+)\s*$' -and -not $doc.Name) { $doc.Name = $Matches.name; continue }
        if ($line -match '^## (?<s>.+?)\s*$') { & $flush; $section = $Matches.s.ToUpperInvariant(); $current = $null; continue }
        if ($line -match '^### (?<h>.+?)\s*$') {
            & $flush
            $heading = $Matches.h
            switch ($section) {
                'EXAMPLES' { $current = [pscustomobject]@{ Title = $heading; Code = $null; Text = '' }; $doc.Examples.Add($current) }
                'PARAMETERS' { $current = [pscustomobject]@{ Name = $heading.TrimStart('-'); Text = ''; Meta = @{} }; $doc.Parameters[$current.Name] = $current }
                'INPUTS' { $current = [pscustomobject]@{ Type = $heading; Text = '' }; $doc.Inputs.Add($current) }
                'OUTPUTS' { $current = [pscustomobject]@{ Type = $heading; Text = '' }; $doc.Outputs.Add($current) }
                default { $null = $sectionText.AppendLine($line) }
            }
            continue
        }
        $null = $sectionText.AppendLine($line)
    }
    & $flush
    if ($frontMatter['shared-parameters']) {
        $sharedPath = Join-Path (Split-Path $Path) $frontMatter['shared-parameters']
        $shared = ConvertFrom-HelpMarkdown $sharedPath
        foreach ($name in $shared.Parameters.Keys) {
            if ($doc.Parameters.Contains($name)) { continue }
            $parameter = $shared.Parameters[$name]
            $expand = {
                param([string] $Value)
                [regex]::Replace($Value, '\{\{(?<k>[\w-]+)\}\}', {
                        param($m)
                        $key = $m.Groups['k'].Value
                        # Left as is when missing: only a parameter the cmdlet has must be complete (checked below).
                        if ($frontMatter.ContainsKey($key)) { $frontMatter[$key] } else { $m.Value }
                    })
            }
            $text = & $expand $parameter.Text
            $meta = @{}
            foreach ($key in $parameter.Meta.Keys) { $meta[$key] = & $expand $parameter.Meta[$key] }
            $doc.Parameters[$name] = [pscustomobject]@{ Name = $name; Text = $text; Meta = $meta; Shared = $true }
        }
    }
    return [pscustomobject] $doc
}

# Markdown paragraphs → plain paragraphs: blank lines separate them, list items stay one per paragraph,
# inline markup that Get-Help would print literally (backticks, emphasis, link targets) is dropped.
function Split-Paragraph([string] $Text) {
    if (-not $Text) { return @() }
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    $buffer = [System.Collections.Generic.List[string]]::new()
    $inCode = $false
    foreach ($line in ($Text -split "`r?`n")) {
        if ($line -match '^```') {
            if ($buffer.Count) { $paragraphs.Add(($buffer -join ' ')); $buffer.Clear() }
            $inCode = -not $inCode; continue
        }
        if ($inCode) { $paragraphs.Add('    ' + $line); continue }
        if (-not $line.Trim()) { if ($buffer.Count) { $paragraphs.Add(($buffer -join ' ')); $buffer.Clear() }; continue }
        if ($line -match '^\s*([-*]|\d+\.)\s+' -and $buffer.Count) { $paragraphs.Add(($buffer -join ' ')); $buffer.Clear() }
        $buffer.Add($line.Trim())
    }
    if ($buffer.Count) { $paragraphs.Add(($buffer -join ' ')) }
    return @($paragraphs | ForEach-Object { ConvertTo-PlainText $_ })
}

function ConvertTo-PlainText([string] $Text) {
    $t = $Text -replace '\[([^\]]+)\]\([^)]*\)', '$1'
    $t = $t -replace '(?<!\w)\*\*([^*]+)\*\*', '$1' -replace '(?<![\w*])\*([^*\s][^*]*)\*', '$1'
    return $t -replace '`([^`]+)`', '$1' -replace '^\s*[*]\s+', '- '
}
#endregion

#region checks
$problems = [System.Collections.Generic.List[string]]::new()
function Add-Problem([string] $Message) { $problems.Add($Message) }

$null = Import-Module $ModulePath -Force -PassThru
# The cmdlet assembly is a nested module, loaded by name through the loader (into a private load context on PowerShell 7):
# take the assembly itself, so a cmdlet missing from CmdletsToExport is still seen.
$cmdletAssembly = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'DicomTools.Cmdlets' } | Select-Object -First 1
$dllCmdlets = @($cmdletAssembly.ExportedTypes |
        ForEach-Object { $_.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false) } |
        ForEach-Object { "$($_.VerbName)-$($_.NounName)" } | Sort-Object)
$manifest = Import-PowerShellDataFile -LiteralPath $ModulePath
$listed = @($manifest.CmdletsToExport)
foreach ($name in $dllCmdlets | Where-Object { $_ -notin $listed }) {
    Add-Problem "$name is a cmdlet of the DLL but module/DicomTools.psd1 does not list it in CmdletsToExport."
}
foreach ($name in $listed | Where-Object { $_ -notin $dllCmdlets }) {
    Write-Warning "CmdletsToExport lists $name, which the built DLL does not have (yet): no help checked for it."
}

$pages = [ordered]@{}
foreach ($name in $dllCmdlets) {
    $command = Get-Command -Name $name -Module DicomTools -ErrorAction Ignore
    if (-not $command) { continue }   # reported above: not exported
    $file = Join-Path $DocsPath "$name.md"
    if (-not (Test-Path -LiteralPath $file)) { Add-Problem "$name has no help: write docs/en-US/$name.md."; continue }
    $doc = ConvertFrom-HelpMarkdown $file
    if ($doc.Name -ne $name) { Add-Problem "$file starts with '# $($doc.Name)', expected '# $name'." }
    if (-not $doc.Synopsis) { Add-Problem "$name has no SYNOPSIS." }
    if (-not $doc.Description) { Add-Problem "$name has no DESCRIPTION." }
    if ($doc.Examples.Count -lt 2) { Add-Problem "$name has $($doc.Examples.Count) example(s); at least 2 are required." }
    foreach ($example in $doc.Examples) { if (-not $example.Code) { Add-Problem "$name, '$($example.Title)' has no code block." } }
    if (-not $doc.Outputs.Count) { Add-Problem "$name has no OUTPUTS." }
    $parameters = @($command.Parameters.Values | Where-Object Name -NotIn $CommonParameters)
    foreach ($p in $parameters) {
        $described = $doc.Parameters.Contains($p.Name) -and $doc.Parameters[$p.Name].Text
        if (-not $described -and -not $StandardParameterText.ContainsKey($p.Name)) { Add-Problem "$name -$($p.Name) is not described (### -$($p.Name) under PARAMETERS)." }
        elseif ($described -and $doc.Parameters[$p.Name].Text -match '\{\{([\w-]+)\}\}') { Add-Problem "$name -$($p.Name) takes shared text whose {{$($Matches[1])}} needs '$($Matches[1]):' in the page's front matter." }
    }
    foreach ($documented in $doc.Parameters.Keys) {
        if ($doc.Parameters[$documented].PSObject.Properties['Shared']) { continue }   # a shared file serves cmdlets with fewer parameters too
        if ($documented -notin $parameters.Name) { Add-Problem "$name documents -$documented, which the cmdlet does not have." }
    }
    $pages[$name] = [pscustomobject]@{ Command = $command; Doc = $doc; Parameters = $parameters }
}
#endregion

#region MAML
$ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}

function Get-TypeDisplayName([type] $Type) {
    if ($Type.IsGenericType -and $Type.GetGenericTypeDefinition() -eq [Nullable`1]) { return "$(Get-TypeDisplayName $Type.GenericTypeArguments[0])" }
    return $Type.Name
}

function Write-Paragraphs([System.Xml.XmlWriter] $Writer, [string] $Text) {
    $Writer.WriteStartElement('maml', 'description', $ns.maml)
    foreach ($p in Split-Paragraph $Text) { $Writer.WriteElementString('maml', 'para', $ns.maml, $p) }
    $Writer.WriteEndElement()
}

function Get-PipelineInputText($Parameter) {
    $kinds = @()
    if ($Parameter.ValueFromPipeline) { $kinds += 'ByValue' }
    if ($Parameter.ValueFromPipelineByPropertyName) { $kinds += 'ByPropertyName' }
    if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
}

function Write-Parameter([System.Xml.XmlWriter] $Writer, $Page, $Parameter, $SetParameter) {
    $doc = $Page.Doc.Parameters[$Parameter.Name]
    $text = if ($doc -and $doc.Text) { $doc.Text } else { $StandardParameterText[$Parameter.Name] }
    $isSwitch = $Parameter.ParameterType -eq [switch]
    $wildcards = [bool] ($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
    if ($doc -and $doc.Meta['Accept wildcard characters']) { $wildcards = $doc.Meta['Accept wildcard characters'] -eq 'True' }
    $mandatory = if ($SetParameter) { $SetParameter.IsMandatory } else { @($Parameter.ParameterSets.Values | Where-Object IsMandatory).Count -gt 0 }
    $position = if ($SetParameter) { $SetParameter.Position } else { @($Parameter.ParameterSets.Values.Position | Sort-Object -Descending)[0] }
    $pipelineSource = if ($SetParameter) { $SetParameter } else { [pscustomobject]@{
            ValueFromPipeline = [bool] @($Parameter.ParameterSets.Values | Where-Object ValueFromPipeline).Count
            ValueFromPipelineByPropertyName = [bool] @($Parameter.ParameterSets.Values | Where-Object ValueFromPipelineByPropertyName).Count } }
    $default = if ($doc -and $doc.Meta['Default value']) { $doc.Meta['Default value'] } elseif ($isSwitch) { 'False' } else { 'None' }

    $Writer.WriteStartElement('command', 'parameter', $ns.command)
    $Writer.WriteAttributeString('required', $mandatory.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('variableLength', $Parameter.ParameterType.IsArray.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('globbing', $wildcards.ToString().ToLowerInvariant())
    $Writer.WriteAttributeString('pipelineInput', (Get-PipelineInputText $pipelineSource))
    $Writer.WriteAttributeString('position', $(if ($position -lt 0) { 'named' } else { [string] $position }))
    $Writer.WriteAttributeString('aliases', $(if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $Writer.WriteElementString('maml', 'name', $ns.maml, $Parameter.Name)
    Write-Paragraphs $Writer $text
    if (-not $isSwitch) {
        $Writer.WriteStartElement('command', 'parameterValue', $ns.command)
        $Writer.WriteAttributeString('required', 'true')
        $Writer.WriteAttributeString('variableLength', $Parameter.ParameterType.IsArray.ToString().ToLowerInvariant())
        $Writer.WriteString((Get-TypeDisplayName $Parameter.ParameterType))
        $Writer.WriteEndElement()
    }
    $validateSet = $Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] } | Select-Object -First 1
    $values = if ($validateSet) { $validateSet.ValidValues } elseif ($Parameter.ParameterType.IsEnum) { [enum]::GetNames($Parameter.ParameterType) } else { @() }
    if ($values) {
        $Writer.WriteStartElement('command', 'parameterValueGroup', $ns.command)
        foreach ($v in $values) {
            $Writer.WriteStartElement('command', 'parameterValue', $ns.command)
            $Writer.WriteAttributeString('required', 'false'); $Writer.WriteAttributeString('variableLength', 'false')
            $Writer.WriteString($v); $Writer.WriteEndElement()
        }
        $Writer.WriteEndElement()
    }
    $Writer.WriteStartElement('dev', 'type', $ns.dev)
    $Writer.WriteElementString('maml', 'name', $ns.maml, $Parameter.ParameterType.FullName)
    $Writer.WriteEndElement()
    $Writer.WriteElementString('dev', 'defaultValue', $ns.dev, $default)
    $Writer.WriteEndElement()
}

function Write-TypeList([System.Xml.XmlWriter] $Writer, [string] $ListName, [string] $ItemName, $Items) {
    $Writer.WriteStartElement('command', $ListName, $ns.command)
    foreach ($item in $Items) {
        $Writer.WriteStartElement('command', $ItemName, $ns.command)
        $Writer.WriteStartElement('dev', 'type', $ns.dev)
        $Writer.WriteElementString('maml', 'name', $ns.maml, $item.Type)
        $Writer.WriteEndElement()
        Write-Paragraphs $Writer $item.Text
        $Writer.WriteEndElement()
    }
    $Writer.WriteEndElement()
}

function Write-Maml([string] $Path) {
    $settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
    $writer = [System.Xml.XmlWriter]::Create($Path, $settings)
    try {
        $writer.WriteStartDocument()
        $writer.WriteStartElement('helpItems', 'http://msh')
        $writer.WriteAttributeString('schema', 'maml')
        foreach ($page in $pages.Values) {
            $command = $page.Command; $doc = $page.Doc
            $writer.WriteStartElement('command', 'command', $ns.command)
            foreach ($prefix in 'maml', 'command', 'dev') { $writer.WriteAttributeString('xmlns', $prefix, $null, $ns[$prefix]) }
            $writer.WriteStartElement('command', 'details', $ns.command)
            $writer.WriteElementString('command', 'name', $ns.command, $command.Name)
            $writer.WriteElementString('command', 'verb', $ns.command, $command.Verb)
            $writer.WriteElementString('command', 'noun', $ns.command, $command.Noun)
            Write-Paragraphs $writer $doc.Synopsis
            $writer.WriteEndElement()
            Write-Paragraphs $writer $doc.Description

            $writer.WriteStartElement('command', 'syntax', $ns.command)
            foreach ($set in $command.ParameterSets) {
                $writer.WriteStartElement('command', 'syntaxItem', $ns.command)
                $writer.WriteElementString('maml', 'name', $ns.maml, $command.Name)
                # Positional parameters first, in position order, as Get-Command -Syntax shows them.
                $ordered = $set.Parameters | Where-Object Name -NotIn $CommonParameters |
                    Sort-Object @{ Expression = { if ($_.Position -lt 0) { [int]::MaxValue } else { $_.Position } } }, @{ Expression = { -not $_.IsMandatory } }
                foreach ($sp in $ordered) { Write-Parameter $writer $page $command.Parameters[$sp.Name] $sp }
                $writer.WriteEndElement()
            }
            $writer.WriteEndElement()

            $writer.WriteStartElement('command', 'parameters', $ns.command)
            foreach ($p in $page.Parameters | Sort-Object Name) { Write-Parameter $writer $page $p $null }
            $writer.WriteEndElement()

            Write-TypeList $writer 'inputTypes' 'inputType' $doc.Inputs
            Write-TypeList $writer 'returnValues' 'returnValue' $doc.Outputs

            if ($doc.Notes) {
                $writer.WriteStartElement('maml', 'alertSet', $ns.maml)
                $writer.WriteStartElement('maml', 'alert', $ns.maml)
                foreach ($p in Split-Paragraph $doc.Notes) { $writer.WriteElementString('maml', 'para', $ns.maml, $p) }
                $writer.WriteEndElement(); $writer.WriteEndElement()
            }

            $writer.WriteStartElement('command', 'examples', $ns.command)
            foreach ($example in $doc.Examples) {
                $writer.WriteStartElement('command', 'example', $ns.command)
                $writer.WriteElementString('maml', 'title', $ns.maml, "-------------------------- $($example.Title) --------------------------")
                $writer.WriteElementString('dev', 'code', $ns.dev, $example.Code)
                $writer.WriteStartElement('dev', 'remarks', $ns.dev)
                foreach ($p in Split-Paragraph $example.Text) { $writer.WriteElementString('maml', 'para', $ns.maml, $p) }
                $writer.WriteEndElement()
                $writer.WriteEndElement()
            }
            $writer.WriteEndElement()

            $writer.WriteStartElement('command', 'relatedLinks', $ns.command)
            foreach ($link in $doc.Links) {
                $writer.WriteStartElement('maml', 'navigationLink', $ns.maml)
                $writer.WriteElementString('maml', 'linkText', $ns.maml, $link.Text)
                # Only a web address opens with Get-Help -Online; a page of this folder is named, not linked.
                $writer.WriteElementString('maml', 'uri', $ns.maml, $(if ($link.Uri -match '^https?://') { $link.Uri } else { '' }))
                $writer.WriteEndElement()
            }
            $writer.WriteEndElement()
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()
        $writer.WriteEndDocument()
    }
    finally { $writer.Dispose() }
}
#endregion

#region about topic
# about_*.md → the plain-text layout of PowerShell's own about topics: section titles in capitals at the left
# margin, text indented four spaces and wrapped at 80 columns, code indented eight and left as written.
function ConvertTo-AboutText([string] $Path) {
    $out = [System.Text.StringBuilder]::new()
    $paragraph = [System.Collections.Generic.List[string]]::new()
    $inCode = $false
    $flushParagraph = {
        if (-not $paragraph.Count) { return }
        $text = ConvertTo-PlainText ($paragraph -join ' ')
        $indent = '    '; $hanging = '    '
        if ($text -match '^(?<bullet>- |\d+\. )') { $hanging = '    ' + (' ' * $Matches.bullet.Length) }
        $line = $indent
        foreach ($word in $text -split ' ') {
            if ($line.Trim() -and ($line.Length + 1 + $word.Length) -gt 80) { $null = $out.AppendLine($line.TrimEnd()); $line = $hanging }
            $line += $(if ($line.Trim()) { ' ' } else { '' }) + $word
        }
        $null = $out.AppendLine($line.TrimEnd())
        $paragraph.Clear()
    }
    foreach ($line in (Get-Content -LiteralPath $Path -Raw) -split "`r?`n") {
        if ($line -match '^```') {
            & $flushParagraph
            $inCode = -not $inCode
            continue
        }
        if ($inCode) { $null = $out.AppendLine(('        ' + $line).TrimEnd()); continue }
        if ($line -match '^# (?<t>.+)$') { $null = $out.AppendLine('TOPIC').AppendLine("    $($Matches.t.Trim())").AppendLine(); continue }
        if ($line -match '^#{2,3} (?<t>.+)$') { & $flushParagraph; $null = $out.AppendLine($Matches.t.Trim().ToUpperInvariant()); continue }
        if (-not $line.Trim()) { & $flushParagraph; $null = $out.AppendLine(); continue }
        if ($line -match '^\s*([-*]|\d+\.)\s+') { & $flushParagraph }
        $paragraph.Add($line.Trim())
    }
    & $flushParagraph
    return ($out.ToString() -replace "(\r?\n){3,}", "`n`n").TrimEnd() + "`n"
}
#endregion

if ($problems.Count) {
    $message = "Help is incomplete:`n  " + ($problems -join "`n  ")
    if ($AllowIncomplete) { Write-Warning $message } else { throw $message }
}

$null = New-Item -ItemType Directory -Force -Path $OutputPath
Write-Maml (Join-Path $OutputPath 'DicomTools.Cmdlets.dll-Help.xml')
foreach ($about in Get-ChildItem -LiteralPath $DocsPath -Filter 'about_*.md') {
    $target = Join-Path $OutputPath ($about.BaseName + '.help.txt')
    Set-Content -LiteralPath $target -Value (ConvertTo-AboutText $about.FullName) -NoNewline -Encoding utf8
}
Write-Host "    help: $($pages.Count) cmdlet(s) -> $OutputPath"
