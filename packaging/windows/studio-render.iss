; Studio Render: per-user Windows installer (Inno Setup 6.3 or later).
;
; Built on Windows only, after the PyInstaller app (see packaging/README.md):
;
;   py -m pip install -e ".[packaging]"
;   py -m PyInstaller --noconfirm --clean packaging\studio-render.spec
;   iscc packaging\windows\studio-render.iss
;
; Output: dist\studio-render-<version>-windows-x64-setup.exe
; The version is read from the version resource that the spec writes into
; dist\studio-render\studio-render.exe (from pyproject.toml); pass /DAppVersion=... to override.
; No administrator rights: installs into %LOCALAPPDATA%\Programs\Studio Render, with a
; Start menu entry for the current user and an uninstaller (Settings > Apps).

#define AppName "Studio Render"
#define AppPublisher "Studio Render"
#define GuiExe "studio-render-gui.exe"
#define CliExe "studio-render.exe"
#define RepoRoot AddBackslash(SourcePath) + "..\.."
#define AppSource RepoRoot + "\dist\studio-render"

#if !FileExists(AppSource + "\" + CliExe)
  #error "dist\studio-render\studio-render.exe not found: build the PyInstaller app first (packaging\README.md)"
#endif
#ifndef AppVersion
  #define AppVersion GetStringFileInfo(AppSource + "\" + CliExe, "ProductVersion")
#endif
#if AppVersion == ""
  #error "could not read the version from studio-render.exe; pass /DAppVersion=x.y.z"
#endif

[Setup]
; Keep AppId unchanged across releases: upgrades and the uninstaller depend on it.
AppId={{7EE18B27-C7A1-481E-ACFC-D432397625C2}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher={#AppPublisher}
; Per-user install, no UAC prompt: {autopf} is %LOCALAPPDATA%\Programs here.
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#RepoRoot}\dist
OutputBaseFilename=studio-render-{#AppVersion}-windows-x64-setup
SetupIconFile={#RepoRoot}\resources\icons\studio-render.ico
UninstallDisplayIcon={app}\{#GuiExe}
UninstallDisplayName={#AppName}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesEnvironment=yes
CloseApplications=yes

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked
Name: "addtopath"; Description: "Add the studio-render command to PATH (command line use)"; GroupDescription: "Command line:"; Flags: unchecked

[Files]
; The whole one-folder app: both executables and _internal\ (Qt, Python, ffmpeg, licences).
Source: "{#AppSource}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#GuiExe}"; Comment: "Render QML scenes and Lottie animations to video"
Name: "{autoprograms}\{#AppName} licences"; Filename: "{app}\_internal\licenses\THIRD_PARTY.md"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#GuiExe}"; Tasks: desktopicon

[Registry]
; The user's own PATH (HKCU), only with the "addtopath" task; taken out again on uninstall.
Root: HKCU; Subkey: "Environment"; ValueType: expandsz; ValueName: "Path"; ValueData: "{olddata};{app}"; Tasks: addtopath; Check: NotInPath(ExpandConstant('{app}'))

[Run]
Filename: "{app}\{#GuiExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[Code]
function PathContains(Paths, Dir: string): Boolean;
begin
  Result := Pos(';' + Uppercase(Dir) + ';', ';' + Uppercase(Paths) + ';') > 0;
end;

function NotInPath(Dir: string): Boolean;
var
  Paths: string;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Paths) then
    Paths := '';
  Result := not PathContains(Paths, Dir);
end;

procedure RemoveFromPath(Dir: string);
var
  Paths: string;
  P: Integer;
begin
  if not RegQueryStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Paths) then
    exit;
  Paths := ';' + Paths + ';';
  P := Pos(';' + Uppercase(Dir) + ';', Uppercase(Paths));
  if P = 0 then
    exit;
  Delete(Paths, P, Length(Dir) + 1);
  Paths := Copy(Paths, 2, Length(Paths) - 2);
  RegWriteExpandStringValue(HKEY_CURRENT_USER, 'Environment', 'Path', Paths);
end;

procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if CurUninstallStep = usPostUninstall then
    RemoveFromPath(ExpandConstant('{app}'));
end;
