# scl with its Autotools build: `make check` runs in checkPhase. Build inputs come from deps.nix.
{ lib, stdenv, pkgs, autoreconfHook, lemon, python3 }:

let
  deps = import ./deps.nix;
  attr = name: lib.getAttrFromPath (lib.splitString "." name) pkgs;
  python = python3.withPackages (ps:
    map (name: ps.${lib.removePrefix "python3Packages." name}) deps.python);
in
stdenv.mkDerivation {
  pname = "scl";
  version = "0.1.0";

  src = lib.cleanSourceWith {
    src = ../.;
    filter = path: type:
      !(type == "directory" && baseNameOf path == "build") && lib.cleanSourceFilter path type;
  };

  nativeBuildInputs = [ autoreconfHook python ] ++ map attr deps.native;
  buildInputs = map attr deps.libraries;
  nativeCheckInputs = map attr deps.check;

  configureFlags = [ "--enable-werror" "LEMPAR=${lemon}/bin/lempar.c" ];
  enableParallelBuilding = true;
  doCheck = true;
  checkTarget = "check";
  preCheck = ''
    export HOME=$TMPDIR
  '';

  meta = {
    description = "A configuration language and C runtime that runs KCL programs unchanged";
    platforms = lib.platforms.linux;
    mainProgram = "scl";
  };
}
