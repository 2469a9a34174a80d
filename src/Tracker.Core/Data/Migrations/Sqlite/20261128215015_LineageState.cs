using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Tracker.Core.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class LineageState : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "LineageKnown",
                table: "Models",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "LineageNewestAt",
                table: "Models",
                type: "TEXT",
                nullable: true);

            // Bases already listed keep going incrementally: their state is read once from the children (using the index
            // that is dropped next).
            migrationBuilder.Sql("""
                UPDATE "Models" SET
                    "LineageKnown" = (SELECT COUNT(*) FROM "Derivatives" d WHERE d."BaseModelId" = "Models"."Id"),
                    "LineageNewestAt" = (SELECT MAX(d."CreatedAt") FROM "Derivatives" d WHERE d."BaseModelId" = "Models"."Id")
                WHERE "LineageSyncedAt" IS NOT NULL;
                """);

            migrationBuilder.DropIndex(
                name: "IX_Derivatives_BaseModelId_CreatedAt",
                table: "Derivatives");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "LineageKnown",
                table: "Models");

            migrationBuilder.DropColumn(
                name: "LineageNewestAt",
                table: "Models");

            migrationBuilder.CreateIndex(
                name: "IX_Derivatives_BaseModelId_CreatedAt",
                table: "Derivatives",
                columns: new[] { "BaseModelId", "CreatedAt" });
        }
    }
}
