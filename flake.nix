{
  description = "scl: a configuration language and C runtime that runs KCL programs unchanged";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAll = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
      deps = import ./nix/deps.nix;
    in {
      packages = forAll (pkgs: rec {
        scl = pkgs.callPackage ./nix/package.nix { };
        default = scl;
      });

      # every build and test dependency: `nix develop`, then autoreconf -fi && ./configure
      devShells = forAll (pkgs:
        let
          attr = name: pkgs.lib.getAttrFromPath (pkgs.lib.splitString "." name) pkgs;
          python = pkgs.python3.withPackages (ps:
            map (name: ps.${pkgs.lib.removePrefix "python3Packages." name}) deps.python);
        in {
          default = pkgs.mkShell {
            packages = [ python ]
              ++ map attr (deps.native ++ deps.libraries ++ deps.check);
            LEMPAR = "${pkgs.lemon}/bin/lempar.c";
          };
        });
    };
}
